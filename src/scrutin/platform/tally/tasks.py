"""The aggregation of an urn's ballots as a Celery job (``platform.jobs``)."""

from __future__ import annotations

import logging

from celery import shared_task

from . import services
from .models import TallySession

log = logging.getLogger(__name__)


@shared_task(name="tally.aggregate")  # type: ignore[untyped-decorator]  # celery ships no types
def run_aggregation(session_id: int) -> str:
    try:
        session = services.aggregate(session_id)
    except Exception as exc:
        log.exception("aggregation of tally session %s failed", session_id)
        session = TallySession.objects.get(pk=session_id)
        services.stop(session, f"L'agrégation a échoué : {exc}")
        raise
    return str(session.state)
