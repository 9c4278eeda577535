"""Requesting and building the long documents of an urn (``DocumentJob``).

At most one job per urn and kind waits or runs at a time (a second request joins it), and
only the latest finished file of each urn and kind is kept: the work and the disk a user can
cause stay bounded whatever they click. Each kind needs the permission of the page it comes
from, and the urn's CCI in the user's perimeter.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..accounts.perimeters import can_access_cci
from ..electoral.models import Urn
from ..jobs import Progress
from .models import DocumentJob

log = logging.getLogger(__name__)
Builder = Callable[[Urn, BinaryIO, Progress], Any]
#: the longest a job may take (an urn of 100,000 electors: about a minute) before another
#: request for the same document starts a new one
STALE_AFTER = timedelta(minutes=30)


def _electors(urn: Urn, out: BinaryIO, progress: Progress) -> Any:
    from ..candidates.printouts import electors_pdf

    return electors_pdf(urn, out=out, progress=progress)


def _emargement(urn: Urn, out: BinaryIO, progress: Progress) -> Any:
    from ..control.services import emargement_pdf

    return emargement_pdf(urn, out=out, progress=progress)


#: kind → (permission needed, builder)
KINDS: dict[str, tuple[str, Builder]] = {
    DocumentJob.Kind.ELECTORS: ("candidates.manage_candidates", _electors),
    DocumentJob.Kind.EMARGEMENT: ("control.view_emargements", _emargement),
}


def allowed(user: Any, kind: str, urn: Urn) -> bool:
    return kind in KINDS and user.has_perm(KINDS[kind][0]) and can_access_cci(user, urn.cci_id)


def folder() -> Path:
    return Path(settings.VAR_DIR) / "documents"


def request(kind: str, urn: Urn, user: Any) -> tuple[DocumentJob, bool]:
    """The job building this document: the one already waiting or running, else a new one
    (``True`` when new, to be dispatched). A job still unfinished after ``STALE_AFTER`` (its
    worker stopped) is marked failed and no longer holds the place."""
    with transaction.atomic():
        Urn.objects.select_for_update().filter(pk=urn.pk).first()  # one request at a time
        unfinished = DocumentJob.objects.filter(
            kind=kind, urn=urn, status__in=[DocumentJob.Status.PENDING, DocumentJob.Status.RUNNING]
        )
        unfinished.filter(created_at__lt=timezone.now() - STALE_AFTER).update(
            status=DocumentJob.Status.FAILED, finished_at=timezone.now(),
            message="Préparation interrompue : demandez à nouveau le document.",
        )  # fmt: skip
        current = unfinished.first()
        if current is not None:
            return current, False
        return DocumentJob.objects.create(
            kind=kind, urn=urn, created_by=user if getattr(user, "pk", None) else None
        ), True


def build(job: DocumentJob, progress: Progress) -> DocumentJob:
    """Write the document to a new file, then keep it as the only one of its urn and kind."""
    job.status = DocumentJob.Status.RUNNING
    job.save(update_fields=["status"])
    folder().mkdir(parents=True, exist_ok=True)
    path = folder() / f"{job.pk}-{job.kind}-{job.urn.code}-{secrets.token_hex(4)}.pdf"
    try:
        with path.open("wb") as fh:
            KINDS[job.kind][1](job.urn, fh, progress)
    except Exception:
        path.unlink(missing_ok=True)
        log.exception("document job %s failed", job.pk)
        job.status, job.message = (
            DocumentJob.Status.FAILED,
            "Échec technique : contactez l'assistance.",
        )
        job.finished_at = timezone.now()
        job.save()
        raise
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    job.path, job.size, job.sha256 = str(path), path.stat().st_size, digest.hexdigest()
    job.status, job.finished_at = DocumentJob.Status.DONE, timezone.now()
    job.save()
    older = (
        DocumentJob.objects.filter(kind=job.kind, urn=job.urn).exclude(pk=job.pk).exclude(path="")
    )
    for previous in older:
        Path(previous.path).unlink(missing_ok=True)
    older.update(path="")
    return job
