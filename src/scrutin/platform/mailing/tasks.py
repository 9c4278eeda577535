"""Campaigns as Celery jobs (``platform.jobs``): one task per campaign, re-queued while retries
are due, and a periodic task that picks up campaigns a dead worker left behind."""

from __future__ import annotations

import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .. import jobs
from . import engine
from .models import Campaign

INLINE_WAIT_MAX = 3600.0


@shared_task(name="mailing.run_campaign", acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]  # celery ships no types
def run_campaign(campaign_id: int) -> str:
    while True:
        result = engine.run(campaign_id)
        if result.finished:
            return "done"
        inline = settings.CELERY_TASK_ALWAYS_EAGER or getattr(
            settings, "SCRUTIN_IMPORTS_INLINE", False
        )
        if result.busy:
            if not inline:  # a dead worker's lock expires after SCRUTIN_MAIL_LOCK_SECONDS
                run_campaign.apply_async((campaign_id,), countdown=engine.Lock(campaign_id).ttl)
            return "busy"
        if not inline and result.wait > 5:
            run_campaign.apply_async((campaign_id,), countdown=int(result.wait) + 1)
            return "later"
        time.sleep(min(result.wait, INLINE_WAIT_MAX))


@shared_task(name="mailing.resume_stale")  # type: ignore[untyped-decorator]
def resume_stale(every: bool = False) -> int:
    """Start again the campaigns no loop has worked on for a while; ``every`` (a worker that
    starts) every unfinished one: the lock keeps a live loop alone, and a dead one's expires."""
    stale = timezone.now() - timedelta(seconds=engine.Lock(0).ttl * 2)
    rows = Campaign.objects.filter(status__in=[Campaign.Status.PENDING, Campaign.Status.RUNNING])
    if not every:
        rows = rows.filter(heartbeat_at__isnull=True) | rows.filter(heartbeat_at__lt=stale)
    n = 0
    for campaign in rows:
        run_campaign.delay(campaign.pk)
        n += 1
    return n


def dispatch(campaign: Campaign) -> None:
    jobs.dispatch(run_campaign, campaign.pk)


@shared_task(name="mailing.collect_bounces")  # type: ignore[untyped-decorator]
def collect_bounces() -> dict[str, int]:
    from .bounces import collect

    return dict(collect())
