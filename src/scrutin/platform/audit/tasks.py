"""The full verification of the journal as a job (``platform.jobs``): at national scale it reads
every entry, far longer than a page request may last. The outcome is a ``VerificationRun`` row,
which the journal page shows; while it runs, a flag in the cache says so."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from . import journal

RUNNING = "audit:journal-verify:running"
RUNNING_TTL = 6 * 3600  # a crashed worker does not block the button for longer


def start_verification() -> bool:
    """Mark a verification as running; False if one already is (the button is idempotent)."""
    return bool(cache.add(RUNNING, True, RUNNING_TTL))


def is_running() -> bool:
    return bool(cache.get(RUNNING))


@shared_task(name="audit.verify_journal")  # type: ignore[untyped-decorator]  # celery ships no types
def verify_journal(_: int = 0) -> bool:
    try:
        return journal.verify_database().valid
    finally:
        cache.delete(RUNNING)
