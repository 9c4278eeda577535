"""The seals of the platform and of each urn (CCTP 4.1.4.6, 4.1.4.8, 4.2.2.2; design invariant 7).

Every seal keeps the exact signed document that is published (docs/protocol.md §14) and its
fingerprint, SHA-256 over the JCS of the whole document, signature included. The documents are
never changed: a platform seal is lifted by recording an unseal, never by editing or deleting it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scrutin.platform.electoral.models import Urn


class UrnSeal(models.Model):
    """The seal of an urn before the opening (``scrutin-urn-seal/v1``): its election, trustees,
    electors list and candidatures, fixed. One per urn; it is never lifted."""

    urn = models.OneToOneField(Urn, on_delete=models.PROTECT, related_name="seal")
    document = models.JSONField("document signé")
    fingerprint = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    sealed_at = models.DateTimeField("scellée le")
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["urn__code"]
        verbose_name = "scellement d'une urne"
        verbose_name_plural = "scellements des urnes"
        permissions = [
            ("seal_urns", "Sceller les urnes de son périmètre avant l'ouverture du vote"),
            ("seal_platform", "Sceller et desceller la plate-forme (niveau national)"),
            ("close_urns", "Clore le vote d'une urne par décision autorisée"),
        ]

    def __str__(self) -> str:
        return f"scellement {self.urn_id} {self.fingerprint[:12]}"


class PlatformSeal(models.Model):
    """A national seal of the platform (``scrutin-platform-seal/v1``): digests of the code and
    of the served assets, and the urn seals in force. In force until an unseal is recorded."""

    sequence = models.PositiveIntegerField("numéro", unique=True)
    document = models.JSONField("document signé")
    fingerprint = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    sealed_at = models.DateTimeField("scellée le")
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unseal_document = models.JSONField("descellement signé", null=True, blank=True)
    unsealed_at = models.DateTimeField("descellée le", null=True, blank=True)
    unsealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["sequence"]
        verbose_name = "scellement de la plate-forme"
        verbose_name_plural = "scellements de la plate-forme"

    def __str__(self) -> str:
        return f"scellement n° {self.sequence} {self.fingerprint[:12]}"

    @property
    def in_force(self) -> bool:
        return self.unsealed_at is None


class UrnClosing(models.Model):
    """The closing seal of an urn (``scrutin-urn-closing/v1``): the ballot box and the
    émargement list frozen, counted and fingerprinted at the end of the vote (CCTP 4.1.4.8)."""

    urn = models.OneToOneField(Urn, on_delete=models.PROTECT, related_name="closing")
    document = models.JSONField("document signé")
    fingerprint = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    closed_at = models.DateTimeField("vote clos le")
    sealed_at = models.DateTimeField("scellée le")
    ballot_count = models.PositiveIntegerField("bulletins")
    ballots_sha256 = models.CharField("empreinte de ballots.jsonl", max_length=64)
    emargement_count = models.PositiveIntegerField("émargements")
    emargements_sha256 = models.CharField("empreinte de la liste d'émargement", max_length=64)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["urn__code"]
        verbose_name = "scellement de clôture"
        verbose_name_plural = "scellements de clôture"

    def __str__(self) -> str:
        return f"clôture {self.urn_id} {self.fingerprint[:12]}"
