"""The key ceremony of each COE (one per CCI): its public documents only.

CCTP 3.2.2.6 / 4.1.4.8: the president and at least one assessor hold distinct decryption keys,
generated on their own devices; the platform relays the public round messages and keeps the
public outcome (``trustees.json``, docs/protocol.md §9). It never holds a secret share: a round
message is refused unless it is exactly a public document of the protocol.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scrutin.platform.electoral.models import Cci


class KeyCeremony(models.Model):
    cci = models.OneToOneField(Cci, on_delete=models.PROTECT, related_name="key_ceremony")
    document = models.JSONField("ceremony.json")
    trustees = models.JSONField("trustees.json", null=True, blank=True)
    created_at = models.DateTimeField("ouverte le", auto_now_add=True)
    finalized_at = models.DateTimeField("terminée le", null=True, blank=True)
    # Restarting (after a complaint) opens a new attempt with its own ceremony_id, so that the
    # messages of an earlier attempt can never be mixed with the new ones.
    attempt = models.PositiveSmallIntegerField("essai", default=1)

    class Meta:
        verbose_name = "cérémonie des clés"
        verbose_name_plural = "cérémonies des clés"
        permissions = [("organise_ceremony", "Organiser la cérémonie des clés d'une COE")]

    def __str__(self) -> str:
        return f"cérémonie {self.cci_id}"


class ArchivedCeremony(models.Model):
    """A finalized ceremony replaced by a new one for a new election of the CCI (annulment or
    partial election, ``electoral.succession``): its public outcome stays, so that the seals of
    the earlier urns can still be checked (``sealing.checks``)."""

    cci = models.ForeignKey(Cci, on_delete=models.PROTECT, related_name="archived_ceremonies")
    document = models.JSONField("ceremony.json")
    trustees = models.JSONField("trustees.json", null=True, blank=True)
    created_at = models.DateTimeField("ouverte le")
    finalized_at = models.DateTimeField("terminée le", null=True, blank=True)
    archived_at = models.DateTimeField("archivée le")

    class Meta:
        ordering = ["cci", "archived_at"]
        verbose_name = "cérémonie des clés archivée"

    def __str__(self) -> str:
        return f"cérémonie archivée {self.cci_id} ({self.archived_at:%Y-%m-%d})"


class KeyHolder(models.Model):
    """Who holds which slot of the current attempt: a management account with ``hold_key``."""

    class Role(models.TextChoices):
        PRESIDENT = "president", "président de la COE"
        ASSESSOR = "assessor", "assesseur"

    ceremony = models.ForeignKey(KeyCeremony, on_delete=models.CASCADE, related_name="holders")
    trustee = models.CharField("identifiant de gardien", max_length=64)
    role = models.CharField("rôle", max_length=16, choices=Role.choices)
    position = models.PositiveSmallIntegerField("indice")  # 0: president; i: assessor index
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "détenteur de clé"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "trustee"], name="one_slot_per_trustee"),
            models.UniqueConstraint(fields=["ceremony", "user"], name="one_slot_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.trustee} ({self.user_id})"


class RoundMessage(models.Model):
    """A public round message as received, after its checks (docs/protocol.md §9)."""

    ceremony = models.ForeignKey(KeyCeremony, on_delete=models.CASCADE, related_name="messages")
    attempt = models.PositiveSmallIntegerField("essai")
    round = models.PositiveSmallIntegerField("tour")
    trustee = models.CharField("gardien", max_length=64)
    document = models.JSONField("message public")
    fingerprint = models.CharField("empreinte", max_length=64)
    received_at = models.DateTimeField("reçu le", auto_now_add=True)
    received_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "message de la cérémonie"
        ordering = ["attempt", "round", "trustee"]
        constraints = [
            models.UniqueConstraint(
                fields=["ceremony", "attempt", "round", "trustee"], name="one_message_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"tour {self.round} de {self.trustee}"
