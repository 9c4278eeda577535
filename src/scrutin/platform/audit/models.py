"""The journal's tables (CCTP 4.2.2.1; docs/journal.md): entries chained by SHA-256, the chain
head (the row every writer locks), signed checkpoints, full verification runs, and the banners
shown to the COEs after a provider-operator access."""

from __future__ import annotations

from django.db import models


class JournalEntry(models.Model):
    """One event. ``hash = SHA-256(JCS(entry without hash))``, the entry holding the previous
    entry's hash; see :func:`scrutin.verify.journal.entry_hash`. Never updated nor deleted."""

    sequence = models.BigIntegerField("numéro", primary_key=True)
    recorded_at = models.DateTimeField("horodatage")
    event = models.CharField("événement", max_length=80, db_index=True)
    event_type = models.CharField("type", max_length=20)
    actor = models.CharField("acteur", max_length=254, blank=True, default="")
    actor_role = models.CharField("rôle", max_length=120)
    actor_perimeter = models.CharField("périmètre de l'acteur", max_length=500)
    cci_code = models.CharField("CCI", max_length=3, blank=True, default="", db_index=True)
    urn_code = models.CharField("urne", max_length=12, blank=True, default="")
    data = models.JSONField("données", default=dict)
    previous_hash = models.CharField("empreinte précédente", max_length=64)
    hash = models.CharField("empreinte", max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        permissions = [("view_journal", "Consulter le journal de son périmètre")]
        indexes = [models.Index(fields=["recorded_at"], name="audit_entry_recorded_at")]

    def __str__(self) -> str:
        return f"{self.sequence} {self.event}"

    @property
    def event_label(self) -> str:
        """The event in French words (events.json), for the journal pages."""
        from .events import label_of

        return label_of(self.event)

    @property
    def data_items(self) -> list[tuple[str, bool, object]]:
        """The data with French labels for its keys (the values as recorded)."""
        from .events import data_items

        return data_items(self.data)


class ChainHead(models.Model):
    """A single row (pk 1): the last sequence and hash. Writers lock it (SELECT … FOR UPDATE),
    so two concurrent appends can never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "tête de chaîne"

    def __str__(self) -> str:
        return f"{self.sequence} {self.hash}"


class Checkpoint(models.Model):
    """An Ed25519 signature by the platform key over (sequence, hash, signed_at)."""

    sequence = models.BigIntegerField("entrée", unique=True)
    hash = models.CharField("empreinte de l'entrée", max_length=64)
    signed_at = models.DateTimeField("signé le")
    public_key = models.CharField("clé publique", max_length=64)
    signature = models.CharField("signature", max_length=128)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = "point de contrôle"

    def __str__(self) -> str:
        return f"checkpoint {self.sequence}"


class VerificationRun(models.Model):
    """The outcome of a full verification of the journal in the database."""

    checked_at = models.DateTimeField("vérifié le", auto_now_add=True)
    entries = models.BigIntegerField("entrées")
    last_sequence = models.BigIntegerField("dernière entrée", default=0)
    valid = models.BooleanField("intègre")
    problems = models.JSONField("anomalies", default=list)

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = "vérification du journal"

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'ok' if self.valid else 'KO'}"


class Banner(models.Model):
    """A message shown at the top of the management pages of the COEs concerned."""

    message = models.TextField("message")
    national = models.BooleanField("toutes les CCI", default=False)
    cci_codes = models.JSONField("CCI concernées", default=list)
    journal_sequence = models.BigIntegerField("entrée du journal", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    expires_at = models.DateTimeField("affiché jusqu'au")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "bandeau"

    def __str__(self) -> str:
        return self.message[:60]

    def concerns(self, codes: set[str] | None) -> bool:
        """Shown to a reader whose perimeter is ``codes`` (None = NATIONAL)."""
        return codes is None or self.national or bool(codes & set(self.cci_codes))
