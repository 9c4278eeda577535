"""Long jobs (imports, credential generation, …): where they run and how they report progress.

A job is a Celery task taking the primary key of a "run" row that records its outcome. Its
progress (0–100) lives in the cache, so a page can show a progress bar whatever process runs it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections

Progress = Callable[[int, int], None]
TTL = 3600


def progress_key(kind: str, run_id: int) -> str:
    return f"{kind}:{run_id}:progress"


def read_progress(kind: str, run_id: int) -> int:
    """Percentage done so far (0–100)."""
    return int(cache.get(progress_key(kind, run_id), 0))


def progress_reporter(kind: str, run_id: int) -> Progress:
    def report(done: int, total: int) -> None:
        cache.set(progress_key(kind, run_id), int(100 * done / max(total, 1)), TTL)

    return report


def mark_finished(kind: str, run_id: int) -> None:
    cache.set(progress_key(kind, run_id), 100, TTL)


def _in_thread(task: Any, run_id: int) -> None:
    try:
        with contextlib.suppress(Exception):  # recorded on the run and logged by the task
            task(run_id)
    finally:
        connections.close_all()  # this thread's connections, so none outlives the job


def dispatch(task: Any, run_id: int) -> None:
    """Queue ``task(run_id)`` on Celery. Without a broker (the embedded demo) it runs in a
    background thread so the page can show its progress; ``SCRUTIN_IMPORTS_INLINE`` (tests)
    runs it in the request. In every mode a failure is recorded on the run, not raised here."""
    if getattr(settings, "SCRUTIN_IMPORTS_INLINE", False):
        with contextlib.suppress(Exception):
            task(run_id)
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        threading.Thread(target=_in_thread, args=(task, run_id), daemon=True).start()
    else:
        task.delay(run_id)
