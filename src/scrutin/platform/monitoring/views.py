"""``/sante/vivant`` (liveness), ``/sante/pret`` (readiness) and ``/metriques`` (Prometheus).

No authentication, no session, no personal data: the probes answer in plain text and read no
cookie. ``/metriques`` answers only the addresses of ``SCRUTIN_METRICS_ALLOWED`` (the client's
address as :mod:`..clientaddress` reads it). docs/ops.md, "Health and metrics".
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from ..clientaddress import client_address, parse_address
from . import incidents, metrics, probes

PLAIN = "text/plain; charset=utf-8"


@csrf_exempt
@never_cache
@require_safe
def alive(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return HttpResponse("vivant\n", content_type=PLAIN)


@csrf_exempt
@never_cache
@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: both databases, Redis and the signing key. A database that does not answer
    is an incident that stops voting (CCTP 4.2.2.3): it is reported, at most once per interval;
    once they answer again, the spooled incidents are journaled."""
    checks = probes.readiness()
    failed = [c for c in checks if not c.ok]
    if any(c.name.startswith("database-") for c in failed):
        reasons = "; ".join(c.reason for c in failed if c.name.startswith("database-"))
        incidents.report("database", reasons, source="readiness")
    elif not failed:
        incidents.flush()
    if failed:
        body = "non prêt : " + "; ".join(c.reason for c in failed) + "\n"
        return HttpResponse(body, status=503, content_type=PLAIN)
    return HttpResponse("prêt\n", content_type=PLAIN)


def _allowed(address: str) -> bool:
    parsed = parse_address(address)
    if parsed is None:
        return False
    for entry in metrics.allowed_networks().split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            if parsed in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@csrf_exempt
@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, for the configured scrapers only."""
    if not _allowed(client_address(request)):
        return HttpResponse("accès refusé\n", status=403, content_type=PLAIN)
    return metrics.metrics_response()
