"""Building a long document as a Celery job with its progress in the cache (``platform.jobs``)."""

from __future__ import annotations

from celery import shared_task

from .. import jobs
from . import services
from .models import DocumentJob

KIND = "documents:build"


def read_progress(job_id: int) -> int:
    """Percentage of the document done so far (0–100)."""
    return jobs.read_progress(KIND, job_id)


@shared_task(name="documents.build")  # type: ignore[untyped-decorator]  # celery ships no types
def build_document(job_id: int) -> str:
    job = DocumentJob.objects.select_related("urn__cci", "urn__category").get(pk=job_id)
    try:
        job = services.build(job, jobs.progress_reporter(KIND, job_id))
    finally:
        jobs.mark_finished(KIND, job_id)
    return str(job.status)


def dispatch(job: DocumentJob) -> None:
    jobs.dispatch(build_document, job.pk)
