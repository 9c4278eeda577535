"""COE pages of the e-mail/SMS campaigns (CCTP 5.2.3, 5.2.3.1): campaigns per CCI with their
progress, the test campaign, and the list of rejected addresses the COE corrects before the
voting material goes. Every page needs ``mailing.manage_campaigns`` and the CCI in the user's
perimeter; no page ever shows a message's content."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.perimeters import cci_codes_of, perimeter_required
from ..electoral.changes import ElectorChangeError
from ..electoral.models import Cci, Elector
from . import engine, services
from .forms import CorrectAddressForm, StartTestForm
from .models import Bounce, Campaign, Message

PERMISSION = "mailing.manage_campaigns"
PROBLEMS_SHOWN = 200


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@perimeter_required(PERMISSION)
def dashboard(request: HttpRequest) -> HttpResponse:
    ccis = list(Cci.objects.order_by("code"))
    allowed = cci_codes_of(request.user)
    if allowed is not None:
        ccis = [c for c in ccis if c.code in allowed]
    rows = [(cci, services.overview(cci.code)) for cci in ccis]
    return render(request, "mailing/dashboard.html", {"rows": rows})


@perimeter_required(PERMISSION, "code")
@require_http_methods(["GET", "POST"])
def cci(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    form = StartTestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.start_campaign("test", code, None, user=_user(request))
        except services.CampaignError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("mailing:campaign", code=code, pk=campaign.pk)
    campaigns = Campaign.objects.filter(cci_code=code).select_related("created_by")[:20]
    return render(request, "mailing/cci.html", {
        "cci": cci, "form": form, "campaigns": campaigns, "overview": services.overview(code),
    })  # fmt: skip


def _campaign(code: str, pk: int) -> Campaign:
    campaign = Campaign.objects.select_related("created_by").filter(pk=pk, cci_code=code).first()
    if campaign is None:
        raise Http404
    return campaign


@perimeter_required(PERMISSION, "code")
def campaign(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(code, pk)
    problems = (
        Message.objects.filter(campaign=campaign)
        .filter(status__in=[Message.Status.REFUSED, Message.Status.FAILED, Message.Status.BOUNCED])
        .order_by("elector_number", "id")[:PROBLEMS_SHOWN]
    )
    waiting = Message.objects.filter(
        campaign=campaign, status=Message.Status.QUEUED, attempts__gt=0
    )
    return render(request, "mailing/campaign.html", {
        "campaign": campaign, "problems": problems, "shown": PROBLEMS_SHOWN,
        "retrying": waiting.count(), "progress": 100 if campaign.done else engine.read_progress(pk),
    })  # fmt: skip


@perimeter_required(PERMISSION, "code")
def campaign_progress(request: HttpRequest, code: str, pk: int) -> JsonResponse:
    campaign = _campaign(code, pk)
    return JsonResponse({"status": campaign.status, "label": campaign.get_status_display(),
                         "done": campaign.done,
                         "progress": 100 if campaign.done else engine.read_progress(pk)})  # fmt: skip


@perimeter_required(PERMISSION, "code")
def bounces(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    rows = list(services.open_bounces(code)[: services.BOUNCES_SHOWN])
    names = Elector.objects.in_bulk({b.elector_number for b in rows})
    return render(request, "mailing/bounces.html", {
        "cci": cci, "rows": [(b, names.get(b.elector_number)) for b in rows],
        "total": services.open_bounces(code).count(), "shown": services.BOUNCES_SHOWN,
        "to_retest": len(services.corrected_to_retest(code)),
    })  # fmt: skip


@perimeter_required(PERMISSION, "code")
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, code: str, number: str) -> HttpResponse:
    elector = Elector.objects.filter(number=number, cci_code=code).select_related("urn").first()
    if elector is None:
        raise Http404
    form = CorrectAddressForm(request.POST or None, initial={"email": elector.email})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correct_address(number, data["email"], authority=data["authority"],
                                     reference=data["reference"], reason=data["reason"],
                                     user=_user(request))  # fmt: skip
        except ElectorChangeError as exc:
            form.add_error(None, str(exc))
            for issue in exc.issues:
                form.add_error(None, f"{issue.column} : {issue.message}")
        else:
            messages.success(request, f"L'adresse de l'électeur {number} est corrigée.")
            return redirect("mailing:bounces", code=code)
    history = Bounce.objects.filter(elector_number=number).order_by("-received_at")[:20]
    return render(request, "mailing/correct.html", {
        "elector": elector, "form": form, "history": history, "code": code,
    })  # fmt: skip


@perimeter_required(PERMISSION, "code")
@require_POST
def retest(request: HttpRequest, code: str) -> HttpResponse:
    numbers = services.corrected_to_retest(code)
    if not numbers:
        messages.error(request, "Aucune adresse corrigée n'attend un nouveau test.")
        return redirect("mailing:bounces", code=code)
    try:
        campaign = services.start_campaign("test", code, sorted(numbers), user=_user(request))
    except services.CampaignError as exc:
        messages.error(request, str(exc))
        return redirect("mailing:bounces", code=code)
    return redirect("mailing:campaign", code=code, pk=campaign.pk)
