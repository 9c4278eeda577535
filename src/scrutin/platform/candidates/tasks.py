"""The candidatures import as a job (issue 19): a Celery task over an electoral ``ImportRun`` of
kind ``candidates``, with its progress in the cache like the electors import."""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task

from scrutin.record.writer import file_digest

from .. import jobs
from ..electoral import imports
from ..electoral.models import ImportRun
from . import importing

log = logging.getLogger(__name__)
KIND = "candidates:import"
# A file this small is checked and imported within the request that sent it (a few hundred
# lines at most: bounded work); a larger one runs as a job and the page shows its progress.
INLINE_BYTES = 32 * 1024


def read_progress(run_id: int) -> int:
    return jobs.read_progress(KIND, run_id)


@shared_task(name="candidates.run_import")  # type: ignore[untyped-decorator]  # celery ships no types
def run_import(run_id: int) -> str:
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])
    try:
        path = Path(run.path)
        run.sha256 = file_digest(path)
        outcome = importing.import_candidatures(
            path, run.cci_id, run.created_by, imports.limits(), jobs.progress_reporter(KIND, run_id)
        )
        run = imports.finish(run, outcome.report, {"created": outcome.created})
    except Exception:
        log.exception("candidatures import %s failed", run_id)
        run.status = ImportRun.Status.FAILED
        run.summary = {"refused": "Échec technique de l'import : contactez l'assistance."}
        run.save()
        raise
    finally:
        if run.status != ImportRun.Status.ACCEPTED:
            imports.discard_upload(run)
        jobs.mark_finished(KIND, run_id)
    return str(run.status)


def start(run: ImportRun, size: int) -> None:
    """Run a small file now (bounded by :data:`INLINE_BYTES`), queue a larger one."""
    if size <= INLINE_BYTES:
        try:
            run_import(run.pk)
        except Exception:  # recorded on the run and logged
            log.debug("candidatures import %s failed", run.pk)
    else:
        jobs.dispatch(run_import, run.pk)
