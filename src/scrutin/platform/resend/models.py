"""Resend requests (CCTP 4.1.6, 5.1.3.3), their encrypted identity documents and the end of the
appeal period after which both are deleted (docs/resend.md).

A request is *matched* to an elector line (``number``) and *routed* to a CCI (``cci_code``):
the COE of that CCI decides. A request that matches no line and names no known CCI waits in the
national queue (``cci_code`` blank) until a national manager routes it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ResendRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "En attente de décision"
        ACCEPTED = "accepted", "Acceptée"
        REFUSED = "refused", "Refusée"

    class Origin(models.TextChoices):
        ELECTOR = "elector", "Demande de l'électeur sur le site de vote"
        COE = "coe", "Initiative de la commission (COE)"
        SUPPORT = "support", "Ouverte par le support pour l'électeur"

    class Match(models.TextChoices):
        NONE = "", "Aucune ligne trouvée"
        NUMBER = "number", "Numéro d'électeur indiqué"
        IDENTITY = "identity", "Nom, code postal et date de naissance"
        MANUAL = "manual", "Ligne choisie par un gestionnaire"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    number = models.CharField(
        "numéro d'électeur rattaché", max_length=13, blank=True, db_index=True
    )
    cci_code = models.CharField("CCI", max_length=3, blank=True)
    match = models.CharField("rattachement", max_length=8, choices=Match.choices, blank=True)
    # What the requester typed (kept until the end of the appeal period, then deleted).
    family_name = models.CharField("nom", max_length=60, blank=True)
    first_name = models.CharField("prénom", max_length=60, blank=True)
    company_name = models.CharField("raison sociale", max_length=80, blank=True)
    typed_number = models.CharField("numéro d'électeur indiqué", max_length=13, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    email = models.EmailField("adresse électronique", max_length=254, blank=True)
    note = models.TextField("note", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decision_reason = models.TextField("motif de la décision", blank=True)
    material_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "demande de renvoi du matériel de vote"
        indexes = [
            models.Index(fields=["cci_code", "status", "created_at"], name="resend_queue_idx")
        ]
        permissions = [
            ("decide_resend", "Décider des demandes de renvoi du matériel de vote de sa CCI"),
            ("route_resend", "Orienter vers une CCI les demandes de renvoi non rattachées"),
        ]

    def __str__(self) -> str:
        return f"demande {self.pk} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        """The short reference shown to the requester and in e-mails (no personal data)."""
        return str(self.public_id).split("-")[0].upper()


class IdentityDocument(models.Model):
    """The identity document of a request, encrypted (``storage``); never in clear on disk."""

    request = models.OneToOneField(
        ResendRequest, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    kind = models.CharField(max_length=4)  # jpeg, png, pdf: found from the content
    size = models.PositiveIntegerField()
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()  # nonce + XChaCha20-Poly1305 ciphertext
    stored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "pièce d'identité chiffrée"

    def __str__(self) -> str:
        return f"pièce {self.kind} de la demande {self.request_id}"


class AppealPeriod(models.Model):
    """End of the appeal period ("fin du délai de recours") of a CCI's election; the row with a
    blank ``cci_code`` is the national default, for CCIs without their own row and for requests
    that were never routed to a CCI."""

    cci_code = models.CharField("CCI (vide : toutes)", max_length=3, blank=True, unique=True)
    ends_on = models.DateField("fin du délai de recours")
    set_by = models.CharField(max_length=150, blank=True)
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "fin du délai de recours"

    def __str__(self) -> str:
        return f"{self.cci_code or 'national'} : {self.ends_on}"
