"""Sealing pages of the management site (CCTP 4.1.4.6, 4.1.4.7, 4.1.4.8). Each view checks its
permission and the perimeter; the platform pages are national only."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ..accounts.perimeters import can_access_cci, cci_codes_of, is_national, perimeter_required
from ..electoral.models import Urn
from . import documents, services
from .forms import CloseForm, UnsealForm, WindowForm
from .models import PlatformSeal


def _visible(user: Any) -> QuerySet[Urn]:
    codes = cci_codes_of(user)
    urns = Urn.objects.select_related("cci", "election", "seal", "closing").order_by("code")
    return urns if codes is None else urns.filter(cci_id__in=codes)


def _urn(request: HttpRequest, code: str) -> Urn:
    urn = get_object_or_404(Urn.objects.select_related("cci"), code=code)
    if not can_access_cci(request.user, urn.cci_id):
        raise PermissionDenied
    return urn


def _national(request: HttpRequest) -> None:
    if not is_national(request.user):
        raise PermissionDenied


@perimeter_required("sealing.seal_urns")
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """The urns of the perimeter, what each lacks to be sealed, and the sealing of a choice."""
    urns = list(_visible(request.user))
    reasons = services.preconditions(u for u in urns if not hasattr(u, "seal"))
    window = services.national_window()
    form = WindowForm(request.POST if request.method == "POST" and window is None else None)
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "toutes":  # every urn of the perimeter that is ready
            chosen = [u for u in urns if u.id in reasons and not reasons[u.id]]
        else:
            chosen = [u for u in urns if u.code in request.POST.getlist("urnes")]
        if not chosen:
            error = (
                "Aucune urne de votre périmètre n'est prête à être scellée."
                if request.POST.get("action") == "toutes"
                else "Choisissez au moins une urne à sceller."
            )
        elif window is None and not form.is_valid():
            error = "Indiquez des dates d'ouverture et de clôture valides."
        else:
            opens_at, closes_at = window or (
                form.cleaned_data["opens_at"],
                form.cleaned_data["closes_at"],
            )
            sealed, refused = [], []
            for urn in chosen:
                try:
                    sealed.append(
                        services.seal_urn(
                            urn, opens_at=opens_at, closes_at=closes_at, user=request.user
                        )
                    )
                except services.SealingError as exc:
                    refused.append(str(exc))
            for seal in sealed:
                messages.success(
                    request,
                    f"Urne {seal.urn.code} scellée. Empreinte du scellement : {seal.fingerprint}",
                )
            for message in refused:
                messages.error(request, message)
            return redirect("sealing:index")
    rows = [{"urn": u, "seal": getattr(u, "seal", None), "closing": getattr(u, "closing", None),
             "election": getattr(u, "election", None),
             "reasons": reasons.get(u.id, [])} for u in urns]  # fmt: skip
    return render(request, "sealing/index.html", {
        "rows": rows, "window": window, "form": form, "error": error,
        "platform": services.platform_seal_in_force(),
        "can_close": request.user.has_perm("sealing.close_urns"),
        "can_seal_platform": request.user.has_perm("sealing.seal_platform") and is_national(request.user),
    })  # fmt: skip


@perimeter_required("sealing.seal_platform")
@require_http_methods(["GET", "POST"])
def platform(request: HttpRequest) -> HttpResponse:
    """The national platform seal: which urns are not sealed yet, the seals and their state."""
    _national(request)
    if request.method == "POST":
        try:
            seal = services.seal_platform(user=request.user)
        except services.SealingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Plate-forme scellée (scellement n° {seal.sequence}). Empreinte : {seal.fingerprint}")  # fmt: skip
        return redirect("sealing:platform")
    return render(request, "sealing/platform.html", {
        "missing": services.unsealed_urns(), "current": services.platform_seal_in_force(),
        "seals": PlatformSeal.objects.order_by("-sequence"),
    })  # fmt: skip


@perimeter_required("sealing.seal_platform")
@require_http_methods(["GET", "POST"])
def unseal_platform(request: HttpRequest) -> HttpResponse:
    _national(request)
    form = UnsealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unseal_platform(user=request.user, reference=form.cleaned_data["reference"],
                                     reason=form.cleaned_data["reason"])  # fmt: skip
        except services.SealingError as exc:
            messages.error(request, str(exc))
        else:
            messages.warning(request, "Plate-forme descellée : le vote est interrompu jusqu'au prochain scellement.")  # fmt: skip
        return redirect("sealing:platform")
    return render(request, "sealing/unseal.html",
                  {"form": form, "current": services.platform_seal_in_force()})  # fmt: skip


@perimeter_required("sealing.close_urns")
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, code: str) -> HttpResponse:
    """Close an urn by authorised decision, with its reason (CCTP 4.1.4.8)."""
    urn = _urn(request, code)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # a page waits little: if casts are still in flight the urn is closed to new votes
            # already, and the timer (or a new try) writes the seal
            closing = services.close_urn(
                urn, user=request.user, reason=form.cleaned_data["reason"], wait=20
            )
        except services.SealingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Urne {urn.code} close et scellée. Empreinte : {closing.fingerprint}"
            )
        return redirect("sealing:close", code=urn.code)
    election = getattr(urn, "election", None)
    return render(request, "sealing/close.html", {
        "urn": urn, "form": form, "election": election, "closing": services.closing_of(urn),
        "sealed": hasattr(urn, "seal"), "now": timezone.now(),
    })  # fmt: skip


@perimeter_required("control.view_emargements")
def emargements(request: HttpRequest, code: str) -> HttpResponse:
    """The urn's canonical émargement list (``scrutin-emargements/v1``): its SHA-256 over JCS is
    the closing seal's ``emargements.sha256``, so the COE can check it."""
    urn = _urn(request, code)
    document = documents.emargements_document(urn.code)
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="emargements-{urn.code}.json"'
    return response
