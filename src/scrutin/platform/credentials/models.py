"""Voter credentials (CCTP 4.1.4.2, 4.1.4.3, 4.1.4.5, 5.2.3).

One :class:`Credential` per elector line (one voting right): the 13-digit identifier is the
elector's ``number``; the secret code is stored **only** as ``HMAC-SHA-256(pepper, …)``, the
pepper living outside the database (``settings.SCRUTIN_CREDENTIAL_PEPPER``). The plaintext codes
exist only in the encrypted export of the :class:`GenerationRun` that created them, or, for a
``mail`` run, only in the e-mail or SMS composed in the worker's memory (CCTP 5.2.3).

The link to the elector has no database constraint on purpose: the electoral imports replace a
CCI's list with raw ``DELETE``/``COPY`` and must not depend on this app; a credential whose
elector line is gone never authenticates (the lookup joins the elector).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..electoral.models import Elector


class RecipientKey(models.Model):
    """The dispatch operator's X25519 public key: exports are sealed to the active one."""

    label = models.CharField("libellé", max_length=100)
    public_key = models.BinaryField("clé publique X25519", max_length=32)
    fingerprint = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "clé de l'opérateur d'expédition"

    def __str__(self) -> str:
        return f"{self.label} ({self.fingerprint[:16]}…)"


class GenerationRun(models.Model):
    """One generation of credentials (a whole CCI, its missing lines, or one regenerated line),
    with who asked, when and why; its encrypted export holds the only plaintext codes (a ``mail``
    run has none: its codes exist only in the messages of its campaign)."""

    class Mode(models.TextChoices):
        NEW = "new", "Première génération"
        MISSING = "missing", "Lignes sans identifiant"
        ALL = "all", "Régénération de toute la CCI"
        ONE = "one", "Régénération d'un identifiant"
        MAIL = "mail", "Codes envoyés par courriel ou SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminée"
        REFUSED = "refused", "Refusée"
        FAILED = "failed", "Échec technique"

    cci_code = models.CharField("code CCI", max_length=3, db_index=True)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    elector_number = models.CharField("identifiant régénéré", max_length=13, blank=True)
    reason = models.CharField("motif", max_length=300, blank=True)
    # empty for MAIL runs: their codes go straight into e-mails and SMS, no export is written
    recipient = models.ForeignKey(RecipientKey, on_delete=models.PROTECT, related_name="runs",
                                  null=True, blank=True)  # fmt: skip
    # the mailing campaign whose messages carry this MAIL run's codes (mailing.Campaign id)
    campaign_id = models.PositiveIntegerField("campagne d'envoi", null=True, blank=True,
                                              unique=True)  # fmt: skip
    count = models.PositiveIntegerField("identifiants générés", default=0)
    total = models.PositiveIntegerField("lignes à traiter", default=0)
    export_path = models.CharField(max_length=500, blank=True)
    export_sha256 = models.CharField("empreinte SHA-256 de l'export", max_length=64, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "génération d'identifiants"

    def __str__(self) -> str:
        return f"{self.get_mode_display()} CCI {self.cci_code} ({self.get_status_display()})"

    @property
    def done(self) -> bool:
        return self.status not in (self.Status.PENDING, self.Status.RUNNING)


class Credential(models.Model):
    """The credential of one elector line; ``generation`` counts its (re)generations."""

    elector = models.OneToOneField(
        Elector,
        primary_key=True,
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        db_column="number",
        related_name="credential",
    )
    cci_code = models.CharField("code CCI", max_length=3)
    code_hash = models.BinaryField("HMAC-SHA-256 du code", max_length=32)
    generation = models.PositiveIntegerField(default=1)
    issued_at = models.DateTimeField("émis le")
    # no database constraint nor index: 2 million rows are written with COPY, and a deferred
    # foreign-key trigger per row would cost more than the rest; runs are never deleted
    run = models.ForeignKey(GenerationRun, on_delete=models.PROTECT, related_name="credentials",
                            db_constraint=False, db_index=False)  # fmt: skip

    class Meta:
        ordering = ["elector_id"]
        indexes = [models.Index(fields=["cci_code"], name="credential_cci_idx")]
        verbose_name = "identifiant de vote"
        permissions = [
            ("manage_credentials", "Générer et régénérer les identifiants des électeurs")
        ]

    def __str__(self) -> str:
        return f"{self.elector_id} (génération {self.generation})"


class CredentialCounts(models.Model):
    """A CCI's electors and credentials as last counted (``services.counts_by_cci``): recounted
    when its list or its credentials changed since ``computed_at``."""

    cci_code = models.CharField("code CCI", max_length=3, primary_key=True)
    electors = models.PositiveIntegerField("lignes électorales")
    credentials = models.PositiveIntegerField("identifiants")
    computed_at = models.DateTimeField("comptés le")

    class Meta:
        verbose_name = "décompte des identifiants d'une CCI"

    def __str__(self) -> str:
        return f"{self.cci_code}: {self.credentials}/{self.electors}"


class DeadCredential(models.Model):
    """A credential of an election that was annulled or replaced (``electoral.succession``):
    kept only as its HMAC, so that a login with it gets a clear message instead of the generic
    failure. It never authenticates."""

    number = models.CharField("numéro d'électeur", max_length=13, db_index=True)
    code_hash = models.BinaryField("HMAC-SHA-256 du code", max_length=32)
    urn_code = models.CharField("urne de l'élection remplacée", max_length=12)
    message = models.CharField("message à l'électeur", max_length=300)
    killed_at = models.DateTimeField("invalidé le")

    class Meta:
        ordering = ["number", "killed_at"]
        verbose_name = "identifiant d'une élection remplacée"

    def __str__(self) -> str:
        return f"{self.number} ({self.urn_code})"
