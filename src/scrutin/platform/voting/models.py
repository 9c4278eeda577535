"""What the voting site keeps in the ``default`` database: each urn's election parameters, the
émargement list, and the short-lived cast intents that make a cast atomic across the two
databases (see ``cast.py``). Nothing here references a ballot."""

from __future__ import annotations

from django.db import models

from scrutin.platform.electoral.models import Urn


class UrnElection(models.Model):
    """The cryptographic election of one urn: its parameters document (docs/protocol.md §4),
    produced by the key ceremony, and its opening window in Paris time."""

    urn = models.OneToOneField(Urn, on_delete=models.PROTECT, related_name="election")
    params = models.JSONField("paramètres de l'élection")
    fingerprint = models.CharField("empreinte", max_length=64, unique=True)
    opens_at = models.DateTimeField("ouverture")
    closes_at = models.DateTimeField("clôture")
    suspended = models.BooleanField("suspendue", default=False)
    suspension_message = models.TextField("message aux électeurs", blank=True)
    closed_at = models.DateTimeField("fermée le", null=True, blank=True)

    class Meta:
        verbose_name = "élection d'une urne"

    def __str__(self) -> str:
        return f"{self.urn_id} {self.fingerprint[:12]}"


class Emargement(models.Model):
    """One line of the émargement list: this voting right has voted (CCTP 4.1.4.3).

    It holds no reference to the ballot: not its tracker, not the receipt's signature."""

    elector_number = models.CharField("numéro d'électeur", max_length=13, primary_key=True)
    # indexed with the number below: the émargement list pages by (urn, number)
    urn = models.ForeignKey(
        Urn, on_delete=models.PROTECT, related_name="emargements", db_index=False
    )
    voted_at = models.DateTimeField("émargé le")

    class Meta:
        ordering = ["elector_number"]
        verbose_name = "émargement"
        indexes = [models.Index(fields=["urn", "elector_number"], name="emargement_urn_number_idx")]

    def __str__(self) -> str:
        return f"{self.elector_number} {self.voted_at:%Y-%m-%d %H:%M}"


class CastIntent(models.Model):
    """A cast in progress: written (and committed) before the ballot is stored, removed when
    the émargement is recorded. Its token's hash tags the ballot-box row for the same few
    milliseconds, so that recovery after a crash can tell whether the ballot was stored."""

    elector_number = models.CharField(max_length=13, unique=True)
    urn = models.ForeignKey(Urn, on_delete=models.PROTECT)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "vote en cours d'enregistrement"

    def __str__(self) -> str:
        return f"{self.elector_number} (en cours)"
