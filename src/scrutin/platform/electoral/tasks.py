"""Long electoral jobs: imports run on a Celery worker and report their progress
(``platform.jobs``)."""

from __future__ import annotations

import logging

from celery import shared_task

from .. import jobs
from . import imports
from .models import ImportRun

log = logging.getLogger(__name__)
KIND = "electoral:import"


def read_progress(run_id: int) -> int:
    """Percentage of the file read so far (0–100)."""
    return jobs.read_progress(KIND, run_id)


@shared_task(name="electoral.run_import")  # type: ignore[untyped-decorator]  # celery ships no types
def run_import(run_id: int) -> str:
    run = ImportRun.objects.get(pk=run_id)
    try:
        imports.purge_uploads()  # housekeeping also where no Celery beat runs (the demo)
    except OSError:
        log.exception("purging the uploads failed")  # the import itself goes on
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])
    try:
        if run.kind == ImportRun.Kind.STRUCTURE:
            run = imports.import_structure(run)
        else:
            run = imports.import_electors(run, jobs.progress_reporter(KIND, run_id))
    except imports.ImportRefused as exc:
        run.status = ImportRun.Status.REJECTED
        run.summary = {"refused": str(exc)}
        run.save()
    except Exception:
        log.exception("import %s failed", run_id)
        run.status = ImportRun.Status.FAILED
        run.summary = {"refused": "Échec technique de l'import : contactez l'assistance."}
        run.save()
        raise
    finally:
        if run.status != ImportRun.Status.ACCEPTED:
            imports.discard_upload(run)  # a refused upload is deleted at once (issue 19)
        jobs.mark_finished(KIND, run_id)
    return str(run.status)


@shared_task(name="electoral.purge_uploads")  # type: ignore[untyped-decorator]
def purge_uploads() -> int:
    """Daily (Celery beat): refused uploads and imported ones past their retention."""
    return imports.purge_uploads()


def dispatch(run: ImportRun) -> None:
    jobs.dispatch(run_import, run.pk)
