"""Long documents built by a job (design: Celery for PDF letters and lists): the electoral list
and the émargement list of an urn, whose PDF takes seconds per ten thousand lines (13 s for a
41,000-elector urn), too long for a web request."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..electoral.models import Urn


class DocumentJob(models.Model):
    """One request for a document: who asked, its progress (in the cache, ``platform.jobs``),
    then the file to download."""

    class Kind(models.TextChoices):
        ELECTORS = "liste-electorale", "Liste électorale"
        EMARGEMENT = "emargement", "Liste d'émargement"

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En préparation"
        DONE = "done", "Prêt"
        FAILED = "failed", "Échec technique"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    urn = models.ForeignKey(Urn, on_delete=models.CASCADE, related_name="document_jobs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    path = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField("taille (octets)", default=0)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "document préparé"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.urn_id} ({self.get_status_display()})"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.urn.code}.pdf"
