"""The journal pages of the management site (CCTP 4.2.2.1): entries of the reader's perimeter
with filters, CSV export, verification status. Permission ``audit.view_journal``."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import jobs
from ..accounts.perimeters import is_national, perimeter_required
from ..csvexport import csv_response
from . import services, tasks
from .forms import JournalFilterForm
from .models import JournalEntry

PERMISSION = services.PERMISSION
CSV_COLUMNS = ["numero", "horodatage_paris", "evenement", "type", "acteur", "role", "perimetre",
               "cci", "urne", "donnees", "empreinte_precedente", "empreinte"]  # fmt: skip


def _filtered(request: HttpRequest) -> tuple[JournalFilterForm, QuerySet[JournalEntry]]:
    form = JournalFilterForm(request.GET or None)
    entries = services.visible_entries(request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["event"]:
            entries = entries.filter(event=data["event"])
        zone = timezone.get_default_timezone()  # Europe/Paris: the dates the reader means
        if data["date_from"]:
            entries = entries.filter(
                recorded_at__gte=datetime.combine(data["date_from"], time.min, zone)
            )
        if data["date_to"]:
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, zone)
            entries = entries.filter(recorded_at__lt=end)
        if data["cci"]:
            entries = entries.filter(cci_code=data["cci"])
        if data["actor"]:
            entries = entries.filter(actor__icontains=data["actor"])
    elif form.is_bound:
        entries = entries.none()
    return form, entries.order_by("-sequence")


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@perimeter_required(PERMISSION)
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {
        "form": form, "page": page, "status": services.status(),
        "query": _query_without_page(request), "national": is_national(request.user),
        "verifying": tasks.is_running(),
    })  # fmt: skip


@perimeter_required(PERMISSION)
@require_GET
def entry_csv(request: HttpRequest) -> HttpResponseBase:
    """Streamed (issue 19.3): rows read 2,000 at a time through a server-side cursor."""
    _, entries = _filtered(request)
    zone = timezone.get_default_timezone()
    rows = ([e.sequence, e.recorded_at.astimezone(zone).isoformat(), e.event, e.event_type,
             e.actor, e.actor_role, e.actor_perimeter, e.cci_code or "", e.urn_code or "",
             json.dumps(e.data, ensure_ascii=False, sort_keys=True), e.previous_hash, e.hash]
            for e in entries.iterator(chunk_size=2000))  # fmt: skip
    return csv_response("journal.csv", CSV_COLUMNS, rows)


@perimeter_required(PERMISSION)
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Full verification of the stored journal (national readers: it covers every CCI), run as
    a job; the page shows its outcome."""
    if not is_national(request.user):
        raise PermissionDenied
    if tasks.start_verification():
        jobs.dispatch(tasks.verify_journal, 0)
        messages.info(request, "Vérification complète du journal lancée : son résultat "
                               "s'affiche ci-dessous dès qu'elle est terminée.")  # fmt: skip
    else:
        messages.info(request, "Une vérification complète du journal est déjà en cours.")
    return redirect("audit:list")
