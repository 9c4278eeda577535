"""Long electoral jobs: imports run on a Celery worker and report their progress."""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from . import imports
from .models import ImportRun

log = logging.getLogger(__name__)


def progress_key(run_id: int) -> str:
    return f"electoral:import:{run_id}:progress"


def read_progress(run_id: int) -> int:
    """Percentage of the file read so far (0–100)."""
    return int(cache.get(progress_key(run_id), 0))


@shared_task(name="electoral.run_import")  # type: ignore[untyped-decorator]  # celery ships no types
def run_import(run_id: int) -> str:
    run = ImportRun.objects.get(pk=run_id)
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(run_id), int(100 * done / max(total, 1)), 3600)

    try:
        if run.kind == ImportRun.Kind.STRUCTURE:
            run = imports.import_structure(run)
        else:
            run = imports.import_electors(run, progress)
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
        cache.set(progress_key(run_id), 100, 3600)
    return str(run.status)


def _in_thread(run_id: int) -> None:
    try:
        run_import(run_id)
    except Exception:  # noqa: S110 - already logged and recorded on the run
        pass
    finally:
        connections.close_all()  # this thread's connections, so none outlives the import


def dispatch(run: ImportRun) -> None:
    """Queue the import on Celery; in the embedded demo, run it in a background thread so the
    page can show its progress bar (``SCRUTIN_IMPORTS_INLINE`` runs it in the request)."""
    if getattr(settings, "SCRUTIN_IMPORTS_INLINE", False):
        run_import(run.pk)
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        threading.Thread(target=_in_thread, args=(run.pk,), daemon=True).start()
    else:
        run_import.delay(run.pk)
