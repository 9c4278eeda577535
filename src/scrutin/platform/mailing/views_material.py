"""COE pages for the voting material by e-mail and SMS (issue 14; CCTP 4.1.4.1, 5.2.3.2):
schedule the dispatch at the opening or start it once the vote is open, decide a reminder, and
follow each elector's messages (queued, sent, refused, bounced, delivered) — never a code, which
no table holds. The CCI's page shows the e-mail set frozen by the issued kit (contract C6) and
the electors of that set whose address failed since, who have no material yet. Every page needs ``mailing.manage_campaigns`` and the CCI in the perimeter."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import keyset
from ..accounts.perimeters import cci_codes_of, perimeter_required
from ..electoral.models import Cci
from ..material import emailset
from . import material, schedule
from .models import Campaign, Message

PERMISSION = "mailing.manage_campaigns"
KINDS = (Campaign.Kind.MATERIAL, Campaign.Kind.RESEND, Campaign.Kind.REMINDER)
PAGE_SIZE = 50
STRANDED_SHOWN = 500


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@perimeter_required(PERMISSION)
def index(request: HttpRequest) -> HttpResponse:
    """Every CCI of the perimeter: state of its vote, dispatch scheduled or sent."""
    ccis = list(Cci.objects.order_by("code"))
    allowed = cci_codes_of(request.user)
    if allowed is not None:
        ccis = [c for c in ccis if c.code in allowed]
    scheduled = schedule.scheduled_codes()
    sent = {c.cci_code: c for c in Campaign.objects.filter(
        kind=Campaign.Kind.MATERIAL, cci_code__in=[c.code for c in ccis])}  # fmt: skip
    rows = [{"cci": cci, "state": schedule.STATE_LABELS[schedule.cci_state(cci.code)],
             "scheduled": cci.code in scheduled, "campaign": sent.get(cci.code)}
            for cci in ccis]  # fmt: skip
    return render(request, "mailing/material/index.html", {"rows": rows})


ACTIONS = {
    "programmer": (schedule.schedule, "L'envoi du matériel de vote par courriel est programmé : il partira à l'ouverture du vote."),
    "annuler": (schedule.unschedule, "L'envoi programmé est annulé."),
    "envoyer": (schedule.start_dispatch, "L'envoi du matériel de vote par courriel a commencé."),
    "relancer": (schedule.start_reminder, "La relance des électeurs qui n'ont pas encore voté a commencé."),
}  # fmt: skip


@perimeter_required(PERMISSION, "code")
@require_http_methods(["GET", "POST"])
def cci_page(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, "Action inconnue.")
        elif request.POST.get("action") == "relancer" and not request.POST.get("confirmer"):
            messages.error(request, "Cochez la case de confirmation pour relancer les électeurs.")
        else:
            try:
                action[0](cci.code, user=_user(request))
            except schedule.DispatchRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, action[1])
                return redirect("mailing_material:cci", code=cci.code)
    state = schedule.cci_state(cci.code)
    opening = schedule.opening_of(cci.code)
    stranded = emailset.stranded(cci.code)
    return render(request, "mailing/material/cci.html", {
        "cci": cci, "state": state, "state_label": schedule.STATE_LABELS[state],
        "opening": opening, "electronic": schedule.electronic_chosen(cci.code),
        "kit": emailset.latest_main(cci.code), "no_kit": schedule.NO_KIT.format(cci=cci.code),
        "stranded": list(stranded.only("number", "email")[:STRANDED_SHOWN]),
        "stranded_count": stranded.count(), "stranded_shown": STRANDED_SHOWN,
        "recipients": material.electronic_electors(cci.code).count(),
        "waiting": material.not_voted(cci.code).count() if state == schedule.OPEN else None,
        "scheduled": schedule.is_scheduled(cci.code),
        "material": schedule.material_campaign(cci.code),
        "campaigns": Campaign.objects.filter(cci_code=cci.code, kind__in=KINDS)[:20],
    })  # fmt: skip


def _keyset_params(params: QueryDict) -> QueryDict:
    """The page's query string with ``apres``/``avant`` kept only when they are numbers (the
    key is the message's id)."""
    clean = params.copy()
    for name in ("apres", "avant"):
        if not clean.get(name, "").isdigit():
            clean.pop(name, None)
    return clean


@perimeter_required(PERMISSION, "code")
def status_list(request: HttpRequest, code: str) -> HttpResponse:
    """Per-elector dispatch status (material, resend, reminder), filtered by status, channel,
    kind or elector number; keyset pages by message id."""
    cci = get_object_or_404(Cci, code=code)
    status = request.GET.get("statut", "")
    channel = request.GET.get("canal", "")
    kind = request.GET.get("envoi", "")
    number = request.GET.get("numero", "").strip()[:13]
    campaigns = Campaign.objects.filter(cci_code=cci.code, kind__in=KINDS)
    if kind in KINDS:
        campaigns = campaigns.filter(kind=kind)
    rows: Any = Message.objects.filter(campaign_id__in=list(campaigns.values_list("pk", flat=True)))
    if status in Message.Status.values:
        rows = rows.filter(status=status)
    if channel in Message.Channel.values:
        rows = rows.filter(channel=channel)
    if number:
        rows = rows.filter(elector_number=number)
    page = keyset.paginate(rows.select_related("campaign"), "id", _keyset_params(request.GET),
                           PAGE_SIZE, keep=("statut", "canal", "envoi", "numero"))  # fmt: skip
    return render(request, "mailing/material/status.html", {
        "cci": cci, "page": page, "status": status, "channel": channel, "kind": kind,
        "number": number, "statuses": Message.Status.choices, "channels": Message.Channel.choices,
        "kinds": [(k.value, k.label) for k in KINDS],
    })  # fmt: skip
