"""Credential generation as a Celery job with its progress in the cache (like the imports)."""

from __future__ import annotations

import contextlib
import logging
import threading

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from . import services
from .models import GenerationRun

log = logging.getLogger(__name__)


def progress_key(run_id: int) -> str:
    return f"credentials:generation:{run_id}:progress"


def read_progress(run_id: int) -> int:
    """Percentage of the lines done so far (0–100)."""
    return int(cache.get(progress_key(run_id), 0))


@shared_task(name="credentials.generate")  # type: ignore[untyped-decorator]  # celery ships no types
def run_generation(run_id: int) -> str:
    run = GenerationRun.objects.select_related("recipient").get(pk=run_id)

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(run_id), int(100 * done / max(total, 1)), 3600)

    try:
        run = services.generate(run, progress)
    except services.GenerationRefused:
        pass  # recorded on the run, shown on its page
    finally:
        cache.set(progress_key(run_id), 100, 3600)
    run.refresh_from_db()
    return str(run.status)


def _in_thread(run_id: int) -> None:
    try:
        run_generation(run_id)
    except Exception:  # noqa: S110 - already logged and recorded on the run
        pass
    finally:
        connections.close_all()


def dispatch(run: GenerationRun) -> None:
    """Queue the generation on Celery; in the embedded demo, run it in a background thread so the
    page shows its progress bar (``SCRUTIN_IMPORTS_INLINE`` runs it in the request)."""
    if getattr(settings, "SCRUTIN_IMPORTS_INLINE", False):
        with contextlib.suppress(Exception):  # recorded on the run as a technical failure
            run_generation(run.pk)
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        threading.Thread(target=_in_thread, args=(run.pk,), daemon=True).start()
    else:
        run_generation.delay(run.pk)
