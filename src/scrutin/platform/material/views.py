"""Pages of the postal material (CCTP 5.2.2): the COE's dispatch choices and BAT, CCI France's
BAT général and the kits. COE pages need ``material.manage_dispatch`` and the CCI inside the
user's perimeter; national pages need ``material.approve_national_bat`` and a NATIONAL perimeter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from scrutin.frenchdates import long_date

from ..accounts.perimeters import cci_codes_of, is_national, perimeter_required
from ..electoral.models import Cci, Elector
from . import emailset, kits, services
from .content import MaterialError, content_fingerprint, letter_content, settings_of
from .forms import ReasonForm, SettingsForm
from .models import Bat, BatDecision

MANAGE = "material.manage_dispatch"
NATIONAL = "material.approve_national_bat"


def national_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_national(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return perimeter_required(NATIONAL)(wrapped)


def _refusal(request: HttpRequest, title: str, message: str, back: str) -> HttpResponse:
    return render(request, "material/refused.html",
                  {"title": title, "message": message, "back": back}, status=409)  # fmt: skip


def _rows(codes: list[str]) -> list[dict[str, Any]]:
    bats = {b.cci_code: b for b in Bat.objects.filter(cci_code__in=codes)}
    with_electors = set(
        Elector.objects.filter(cci_code__in=codes).values_list("cci_code", flat=True).distinct()
    )
    return [{"cci": cci, "settings": settings_of(cci.code),
             "bat": bats.get(cci.code) or Bat(cci_code=cci.code),
             "electors": cci.code in with_electors}
            for cci in Cci.objects.filter(code__in=codes).order_by("code")]  # fmt: skip


@perimeter_required(MANAGE)
def index(request: HttpRequest) -> HttpResponse:
    allowed = cci_codes_of(request.user)
    codes = list(Cci.objects.values_list("code", flat=True))
    if allowed is not None:
        codes = [c for c in codes if c in allowed]
    return render(request, "material/index.html", {"rows": _rows(codes)})


@perimeter_required(MANAGE, "code")
@require_http_methods(["GET", "POST"])
def dispatch_settings(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    row, bat = settings_of(code), services.bat_of(code)
    initial = {name: getattr(row, name) for name in services.SETTINGS_FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(code, form.cleaned_data, user=request.user)
        except MaterialError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Choix d'expédition enregistrés.")
            return redirect("material:bat", code=code)
    return render(request, "material/settings.html",
                  {"cci": cci, "form": form, "bat": bat, "row": row})  # fmt: skip


@perimeter_required(MANAGE, "code")
@require_http_methods(["GET", "POST"])
def bat(request: HttpRequest, code: str) -> HttpResponse:
    """The COE's BAT: what the letter says, the proof, and the decision (CCTP 5.2.2)."""
    cci = get_object_or_404(Cci, code=code)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.approve_coe(code, user=request.user,
                                     seen_sha256=request.POST.get("content_sha256", ""))  # fmt: skip
                messages.success(request, "BAT validé. CCI France peut maintenant valider le BAT "
                                          "général.")  # fmt: skip
                return redirect("material:bat", code=code)
            if action in ("refuse", "reopen") and reason_form.is_valid():
                reason = reason_form.cleaned_data["reason"]
                if action == "refuse":
                    services.refuse_coe(code, user=request.user, reason=reason)
                    messages.success(request, "BAT refusé. Corrigez ce qui doit l'être, puis "
                                              "regardez la nouvelle épreuve.")  # fmt: skip
                else:
                    services.reopen(code, user=request.user, reason=reason)
                    messages.success(request, "BAT rouvert : les choix d'expédition peuvent de "
                                              "nouveau être modifiés.")  # fmt: skip
                return redirect("material:bat", code=code)
        except MaterialError as exc:
            messages.error(request, str(exc))
    try:
        content: dict[str, Any] | None = letter_content(code)
        problem = ""
    except MaterialError as exc:
        content, problem = None, str(exc)
    dates = ({"opening": long_date(datetime.fromisoformat(content["opening"])),
              "closing": long_date(datetime.fromisoformat(content["closing"]))}
             if content else {})  # fmt: skip
    return render(request, "material/bat.html", {
        "cci": cci, "dates": dates, "bat": services.bat_of(code), "row": settings_of(code), "content": content,
        "fingerprint": content_fingerprint(content) if content else "", "problem": problem,
        "reason_form": reason_form,
        "decisions": BatDecision.objects.filter(cci_code=code).select_related("by")[:50],
    })  # fmt: skip


@perimeter_required(MANAGE, "code")
def proof(request: HttpRequest, code: str) -> HttpResponse:
    """The proof PDF (one letter, "SPÉCIMEN", a code that can never be valid)."""
    get_object_or_404(Cci, code=code)
    from .proof import render_proof

    try:
        pdf, _ = render_proof(code)
    except MaterialError as exc:
        return _refusal(
            request, "Épreuve impossible", str(exc), reverse("material:bat", kwargs={"code": code})
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="epreuve-bat-{code}.pdf"'
    return response


@national_required
@require_http_methods(["GET", "POST"])
def national(request: HttpRequest) -> HttpResponse:
    """CCI France: every CCI's BAT, approval of the BAT général, kits (CCTP 5.2.2 last §)."""
    if request.method == "POST":
        codes = request.POST.getlist("cci")
        if not codes:
            messages.error(request, "Cochez au moins une CCI dont le BAT est validé par sa COE.")
        else:
            approved, refused = services.approve_national(codes, user=request.user)
            if approved:
                messages.success(request, "BAT général validé pour : " + ", ".join(approved) + ".")
            for message in refused:
                messages.error(request, message)
        return redirect("material:national")
    rows = _rows(list(Cci.objects.values_list("code", flat=True)))
    for row in rows:
        row["kit"] = emailset.latest_main(row["cci"].code)
        row["stranded"] = emailset.stranded(row["cci"].code).count() if row["kit"] else 0
    waiting = [r for r in rows if r["electors"] and not r["bat"].coe_approved]
    return render(request, "material/national.html", {"rows": rows, "waiting": waiting})


@national_required
@require_http_methods(["GET", "POST"])
def national_refuse(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.refuse_national(code, user=request.user, reason=form.cleaned_data["reason"])
        except MaterialError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"BAT de la CCI {code} refusé : la COE en est informée sur "
                                      "sa page du BAT.")  # fmt: skip
        return redirect("material:national")
    return render(request, "material/national_refuse.html",
                  {"cci": cci, "form": form, "bat": services.bat_of(code)})  # fmt: skip


def _download(name: str, body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@national_required
@require_http_methods(["GET", "POST"])
def kit(request: HttpRequest, code: str) -> HttpResponse:
    """``kit-<CCI>.json`` for the dispatch operator, only once both BATs are approved. Issuing
    it again with another e-mail set needs an explicit confirmation (contract C6)."""
    cci = get_object_or_404(Cci, code=code)
    confirm = request.method == "POST" and request.POST.get("confirmer") == "1"
    try:
        name, body = kits.issue_kit(code, user=request.user, confirm=confirm)
    except kits.KitChange as exc:
        return render(request, "material/kit_change.html",
                      {"cci": cci, "message": str(exc)}, status=409)  # fmt: skip
    except MaterialError as exc:
        return _refusal(request, "Kit d'impression refusé", str(exc), reverse("material:national"))
    return _download(name, body)


@perimeter_required(NATIONAL)
@require_http_methods(["POST"])
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    """The supplementary kit: letters for the stranded electors of the CCI (contract C6).
    POST only (it is recorded and journaled); the permission, then a NATIONAL perimeter."""
    if not is_national(request.user):
        raise PermissionDenied
    get_object_or_404(Cci, code=code)
    try:
        name, body = kits.issue_supplement(code, user=request.user)
    except MaterialError as exc:
        return _refusal(request, "Kit complémentaire refusé", str(exc),
                        reverse("material:national"))  # fmt: skip
    return _download(name, body)
