"""The platform's Prometheus metrics, with the official client library (issue 18).

Counters and the latency histogram are updated by the process that does the work (web worker
or Celery worker). With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with several workers, Celery
prefork), prometheus_client keeps them in memory-mapped files of that directory and
``/metriques`` adds up every process's values (docs/ops.md, "Health and metrics").

Queue depth and replication lag are read when Prometheus scrapes, by :class:`ScrapeCollector`:
they describe shared components (Redis, PostgreSQL), not a process.

No label carries anything personal. Casts are counted nationally, not per urn: per-urn
participation is already shown, with access control, on the pilot pages (CCTP 4.1.4.5); a
per-urn series at scrape resolution in the monitoring system, read by the provider's operators,
would publish each urn's participation minute by minute to people the perimeters exclude, and
operations need only the national rate and error ratio. Refusal reasons are the fixed codes of
``voting.cast.CastRefused``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# Every refusal code raised by voting.cast (kept in step by tests/unit/monitoring).
REFUSAL_REASONS = (
    "already-voted", "candidatures-changed", "closed", "duplicate", "in-progress",
    "interrupted", "invalid-ballot", "not-open", "not-sealed", "suspended", "unsealed",
)  # fmt: skip
VIEW_KINDS = ("voter", "management", "other")

CASTS_ACCEPTED = Counter("scrutin_casts_accepted", "Bulletins déposés et émargés.")
CAST_REFUSALS = Counter("scrutin_cast_refusals", "Dépôts refusés, par motif.", ["reason"])
CAST_ERRORS = Counter(
    "scrutin_cast_errors", "Dépôts interrompus par une erreur de la plate-forme (exception)."
)
REQUEST_SECONDS = Histogram(
    "scrutin_request_duration_seconds",
    "Durée de traitement des requêtes HTTP, par type de page et classe de statut.",
    ["kind", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
JOURNAL_APPENDS = Counter("scrutin_journal_appends", "Entrées ajoutées au journal.")
CELERY_TASKS = Counter(
    "scrutin_celery_tasks", "Tâches Celery terminées, par tâche et résultat.", ["task", "outcome"]
)
for _reason in REFUSAL_REASONS:
    CAST_REFUSALS.labels(reason=_reason)  # every series exists from the start (rate() needs it)


def count_refusal(reason: str) -> None:
    CAST_REFUSALS.labels(reason=reason if reason in REFUSAL_REASONS else "other").inc()


def view_kind(path: str) -> str:
    if path.startswith("/vote/"):
        return "voter"
    if path.startswith("/gestion/"):
        return "management"
    return "other"


class LatencyMiddleware:
    """Times every request (first in MIDDLEWARE, so the whole stack is measured)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        status = "5xx"
        try:
            response = self.get_response(request)
            status = f"{response.status_code // 100}xx"
            return response
        finally:
            REQUEST_SECONDS.labels(kind=view_kind(request.path), status=status).observe(
                time.perf_counter() - start
            )


def _on_journal_entry(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        from django.db import transaction

        transaction.on_commit(JOURNAL_APPENDS.inc, using=kwargs.get("using"))


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or "inconnue")


def connect_signals() -> None:
    """Journal appends (audit app) and Celery task outcomes."""
    from celery import signals as celery_signals
    from django.db.models.signals import post_save

    from ..audit.models import JournalEntry

    post_save.connect(_on_journal_entry, sender=JournalEntry, dispatch_uid="monitoring-journal")
    celery_signals.task_success.connect(_task_success, weak=False, dispatch_uid="mon-success")
    celery_signals.task_failure.connect(_task_failure, weak=False, dispatch_uid="mon-failure")
    celery_signals.task_retry.connect(_task_retry, weak=False, dispatch_uid="mon-retry")


def _task_success(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(task=_task_name(sender), outcome="success").inc()


def _task_failure(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(task=_task_name(sender), outcome="failure").inc()


def _task_retry(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(task=_task_name(sender), outcome="retry").inc()


class ScrapeCollector(Collector):
    """Values read at scrape time: Celery queue depth, PostgreSQL replication lag and the
    backup host's WAL stream."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .probes import queue_depth, replication

        depth = GaugeMetricFamily(
            "scrutin_celery_queue_depth", "Tâches en attente dans la file Celery (Redis).",
            labels=["queue"],
        )  # fmt: skip
        for queue, length in queue_depth().items():
            depth.add_metric([queue], length)
        yield depth
        lag = GaugeMetricFamily(
            "scrutin_replication_lag_seconds",
            "Retard de réplication PostgreSQL (secondaire : depuis la dernière transaction "
            "rejouée ; primaire : plus grand replay_lag de pg_stat_replication ; 0 sans réplique).",
            labels=["database", "role"],
        )
        up = GaugeMetricFamily(
            "scrutin_database_up", "La base répond (1) ou non (0).", labels=["database"]
        )
        stream = GaugeMetricFamily(
            "scrutin_backup_stream_active",
            "Le pg_receivewal de l'hôte de sauvegarde est connecté au slot scrutin_backup de ce "
            "primaire (1) ou non (0) ; absent sans ce slot.",
            labels=["database"],
        )
        retained = GaugeMetricFamily(
            "scrutin_backup_wal_retained_bytes",
            "Octets de WAL que le slot scrutin_backup retient sur ce primaire (copie en retard).",
            labels=["database"],
        )
        for state in replication():
            up.add_metric([state.alias], 1 if state.up else 0)
            if state.up and state.lag_seconds is not None:
                lag.add_metric([state.alias, state.role], state.lag_seconds)
            if state.backup_active is not None:
                stream.add_metric([state.alias], 1 if state.backup_active else 0)
                retained.add_metric([state.alias], state.backup_retained_bytes or 0.0)
        yield lag
        yield up
        yield stream
        yield retained


def exposition() -> bytes:
    """The text exposition of every metric: all processes' in multiprocess mode."""
    scrape = CollectorRegistry(auto_describe=True)
    scrape.register(ScrapeCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry) + generate_latest(scrape)
    return generate_latest(REGISTRY) + generate_latest(scrape)


def metrics_response() -> HttpResponse:
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def allowed_networks() -> str:
    return str(getattr(settings, "SCRUTIN_METRICS_ALLOWED", "") or "127.0.0.1,::1")
