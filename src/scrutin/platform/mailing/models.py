"""Outgoing e-mails and SMS (CCTP 5.2.3, 5.2.3.1, 5.2.3.2): campaigns, one row per message,
and the bounces that come back (contract C3 of issue 14).

A :class:`Campaign` sends one kind of message (test, material, reminder, resend) to electors of
one CCI. Its :class:`Message` rows are created ``queued`` when it starts (one per elector, on the
channel the kind prefers) and walked by the send loop (``mailing.engine``), which may add a row
per extra channel the composer returns (e.g. the code by SMS). The content is never stored: it is
composed at send time and handed to SMTP/SMS at once, so no secret code rests in this table.

Rows are keyed for 2 million messages: the loop pages ``(campaign, status, id)``; the support
and dispatch status read ``(elector_number, channel)``; bounces are matched by Message-ID.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Campaign(models.Model):
    class Kind(models.TextChoices):
        TEST = "test", "Courriel de test des adresses"
        MATERIAL = "material", "Matériel de vote"
        REMINDER = "reminder", "Relance des électeurs n'ayant pas voté"
        RESEND = "resend", "Renvoi du matériel de vote"

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminée"
        FAILED = "failed", "Échec technique"

    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    cci_code = models.CharField("code CCI", max_length=3, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField("messages à envoyer", default=0)
    sent = models.PositiveIntegerField("envoyés", default=0)
    refused = models.PositiveIntegerField("refusés", default=0)
    failed = models.PositiveIntegerField("en échec", default=0)
    uncertain = models.PositiveIntegerField("envoi à confirmer", default=0)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "campagne d'envoi"
        permissions = [
            (
                "manage_campaigns",
                "Lancer les envois aux électeurs et corriger les adresses rejetées",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} CCI {self.cci_code} ({self.get_status_display()})"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Message(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Courriel"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        QUEUED = "queued", "En attente d'envoi"
        SENDING = "sending", "Envoi en cours"
        SENT = "sent", "Envoyé"
        REFUSED = "refused", "Refusé par le serveur du destinataire"
        BOUNCED = "bounced", "Revenu en erreur"
        DELIVERED = "delivered", "Remis"
        FAILED = "failed", "Échec"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    elector_number = models.CharField("numéro d'électeur", max_length=13)
    channel = models.CharField("canal", max_length=5, choices=Channel.choices)
    address = models.CharField("adresse", max_length=255, blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    # True when a crash left the row ``sending``: the message may or may not have left
    # (docs/mailing.md, "Resuming after a crash"); shown as "envoyé (à confirmer)".
    uncertain = models.BooleanField("à confirmer", default=False)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    not_before = models.DateTimeField("prochaine tentative", null=True, blank=True)
    last_error = models.CharField("dernière erreur", max_length=500, blank=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    provider_id = models.CharField("référence du prestataire SMS", max_length=100, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "message envoyé"
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="message_campaign_status_idx"),
            models.Index(fields=["elector_number", "channel"], name="message_elector_idx"),
            models.Index(fields=["message_id"], name="message_msgid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.elector_number} {self.channel} {self.status}"

    @property
    def status_label(self) -> str:
        if self.status == self.Status.SENT and self.uncertain:
            return "Envoyé (à confirmer)"
        return str(self.get_status_display())


class Bounce(models.Model):
    """An address that did not take a message: refused at send time (``smtp``) or reported by
    a delivery-status notification (``dsn``, RFC 3464) read from the bounce mailbox."""

    class Source(models.TextChoices):
        SMTP = "smtp", "Refus du serveur à l'envoi"
        DSN = "dsn", "Avis de non-remise"

    cci_code = models.CharField("code CCI", max_length=3, db_index=True)
    elector_number = models.CharField("numéro d'électeur", max_length=13, db_index=True)
    address = models.CharField("adresse", max_length=255)
    source = models.CharField(max_length=4, choices=Source.choices)
    diagnostic = models.CharField("diagnostic", max_length=500)
    status_code = models.CharField("code d'état", max_length=20, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="bounces"
    )
    report_id = models.CharField("Message-ID de l'avis", max_length=255, blank=True)
    received_at = models.DateTimeField("reçu le")
    corrected_at = models.DateTimeField("corrigé le", null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "adresse rejetée"
        indexes = [models.Index(fields=["report_id"], name="bounce_report_idx")]

    def __str__(self) -> str:
        return f"{self.elector_number} {self.address} ({self.source})"
