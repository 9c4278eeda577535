"""The tally of each urn (CCTP 3.2.2.6, 4.1.4.8): the session, the key holders' partial
decryptions, and the results. Only public documents: aggregated ciphertexts, partial
decryptions with their proofs, decrypted totals."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scrutin.platform.electoral.models import Urn


class TallySession(models.Model):
    class State(models.TextChoices):
        AGGREGATING = "aggregating", "agrégation en cours"
        WAITING = "waiting", "en attente des déchiffrements partiels"
        DONE = "done", "dépouillement terminé"
        STOPPED = "stopped", "arrêté (anomalie)"

    urn = models.OneToOneField(Urn, on_delete=models.PROTECT, related_name="tally")
    state = models.CharField("état", max_length=16, choices=State.choices)
    started_at = models.DateTimeField("commencé le", auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    anomaly = models.TextField("anomalie", blank=True)
    tally = models.JSONField("tally.json", null=True, blank=True)
    tally_fingerprint = models.CharField(max_length=64, blank=True)
    result = models.JSONField("result.json", null=True, blank=True)
    decryptions = models.JSONField("decryptions.json", null=True, blank=True)
    results = models.JSONField("résultats par scrutin", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "dépouillement d'une urne"
        permissions = [
            ("run_tally", "Conduire le dépouillement d'une urne"),
            ("view_results", "Consulter les résultats et procès-verbaux"),
            ("export_results", "Télécharger les résultats nationaux"),
        ]

    def __str__(self) -> str:
        return f"dépouillement {self.urn_id} ({self.state})"


class PartialDecryption(models.Model):
    """A key holder's partial decryption of the urn's tally, proofs checked on receipt."""

    session = models.ForeignKey(TallySession, on_delete=models.CASCADE, related_name="partials")
    trustee = models.CharField("détenteur", max_length=64)
    role = models.CharField(max_length=16)
    document = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    received_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "trustee"], name="one_partial_per_trustee")
        ]
        ordering = ["trustee"]

    def __str__(self) -> str:
        return f"{self.trustee} → {self.session.urn_id}"
