"""Credential generation as a Celery job with its progress in the cache (``platform.jobs``)."""

from __future__ import annotations

from celery import shared_task

from .. import jobs
from . import services
from .models import GenerationRun

KIND = "credentials:generation"


def read_progress(run_id: int) -> int:
    """Percentage of the lines done so far (0–100)."""
    return jobs.read_progress(KIND, run_id)


@shared_task(name="credentials.generate")  # type: ignore[untyped-decorator]  # celery ships no types
def run_generation(run_id: int) -> str:
    run = GenerationRun.objects.select_related("recipient").get(pk=run_id)
    try:
        run = services.generate(run, jobs.progress_reporter(KIND, run_id))
    except services.GenerationRefused:
        pass  # recorded on the run, shown on its page
    finally:
        jobs.mark_finished(KIND, run_id)
    run.refresh_from_db()
    return str(run.status)


def dispatch(run: GenerationRun) -> None:
    jobs.dispatch(run_generation, run.pk)
