"""Worker hook: a Celery worker that starts picks up campaigns a killed worker left running."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready


@worker_ready.connect  # type: ignore[untyped-decorator]  # celery ships no types
def resume_on_start(**_: Any) -> None:
    from . import tasks

    tasks.resume_stale.delay(every=True)
