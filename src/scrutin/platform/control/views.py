"""Control pages (CCTP 4.1.5, 4.2.2.1, 4.2.5). Each view checks its permission and the perimeter."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..accounts.perimeters import can_access_cci, is_national, perimeter_required
from ..csvexport import csv_response
from ..electoral.models import Urn
from ..voting.models import Emargement
from . import services
from .models import UsageDay


@perimeter_required("control.view_participation")
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "control/dashboard.html", {
        "nation": services.participation(request.user), "seals": services.seal_status(request.user),
        "can_suspend": request.user.has_perm("control.suspend_voting"),
        "can_emarge": request.user.has_perm("control.view_emargements"),
    })  # fmt: skip


@perimeter_required("control.view_participation")
def participation_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.participation_json(services.participation(request.user)))


def _urn(request: HttpRequest, code: str) -> Urn:
    urn = get_object_or_404(Urn.objects.select_related("cci"), code=code)
    if not can_access_cci(request.user, urn.cci_id):
        raise PermissionDenied
    return urn


@perimeter_required("control.view_emargements")
def emargement(request: HttpRequest, code: str, fmt: str = "html") -> HttpResponseBase:
    urn = _urn(request, code)
    if fmt == "csv":
        return csv_response(f"emargement-{urn.code}.csv", services.HEADER,
                            services.emargement_rows(urn))  # fmt: skip
    if fmt == "pdf":  # long: built by a job with a progress bar (documents)
        return redirect("documents:new", code=urn.code, kind="emargement")
    if fmt == "html":
        return render(request, "control/emargement.html", {
            "urn": urn, "page": services.emargement_page(urn, request.GET),
            "total": Emargement.objects.filter(urn=urn).count(),
        })  # fmt: skip
    raise PermissionDenied


@perimeter_required("control.suspend_voting")
@require_http_methods(["GET", "POST"])
def suspension(request: HttpRequest) -> HttpResponse:
    urns = list(services.visible_urns(request.user).filter(election__isnull=False))
    error = ""
    if request.method == "POST":
        chosen = [u for u in urns if u.code in request.POST.getlist("urnes")]
        action = request.POST.get("action")
        message = request.POST.get("message", "").strip()[:500]
        if not chosen:
            error = "Choisissez au moins une urne."
        elif action == "suspendre" and not message:
            error = "Indiquez le message qui sera affiché aux électeurs."
        elif action in ("suspendre", "reprendre"):
            count = services.set_suspension(
                chosen, suspended=action == "suspendre", message=message, user=request.user
            )
            verb = "suspendu" if action == "suspendre" else "repris"
            from django.contrib import messages

            messages.success(request, f"Vote {verb} pour {count} urne(s).")
            return redirect("control:dashboard")
    return render(request, "control/suspension.html", {"urns": urns, "error": error})


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


@perimeter_required("control.view_usage")
def usage(request: HttpRequest) -> HttpResponse:
    if not is_national(request.user):
        raise PermissionDenied
    days = [
        {"day": d.day, "visits": d.visits, "logins": d.logins, "casts": d.casts,
         "share": _decimal(100 * d.casts / d.logins) if d.logins else "—",
         "average": _decimal(d.session_seconds / d.casts / 60) if d.casts else "—"}
        for d in UsageDay.objects.all()[:60]
    ]  # fmt: skip
    return render(request, "control/usage.html", {"days": days})
