"""Organiser's pages of the key ceremony (permission ``ceremony.organise_ceremony``, CCI
perimeter): open the COE's ceremony, follow the rounds, restart it after a complaint, finalise
``trustees.json`` (CCTP 3.2.2.6, 4.1.4.8; docs/key-ceremony.md)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from scrutin.crypto.encoding import fingerprint

from ..accounts.perimeters import cci_codes_of, perimeter_required
from ..electoral.models import Cci
from . import services
from .forms import CeremonyForm, RestartForm
from .models import KeyCeremony
from .rounds import Refused

ORGANISE = "ceremony.organise_ceremony"


def json_download(doc: Any, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(doc, indent=1, ensure_ascii=False) + "\n", content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _holders_initial(ceremony: KeyCeremony) -> dict[str, Any]:
    holders = list(ceremony.holders.select_related("user"))
    return {
        "group": ceremony.document["group"],
        "president": holders[0].user if holders else None,
        "assessors": [h.user for h in holders[1:]],
        "threshold": ceremony.document["threshold"],
    }


@perimeter_required(ORGANISE)
def index(request: HttpRequest) -> HttpResponse:
    ccis = Cci.objects.order_by("code")
    codes = cci_codes_of(request.user)
    if codes is not None:
        ccis = ccis.filter(code__in=codes)
    ceremonies = {c.cci_id: c for c in KeyCeremony.objects.filter(cci__in=ccis)}
    rows = [(cci, ceremonies.get(cci.code)) for cci in ccis]
    return render(request, "ceremony/index.html", {"rows": rows})


@perimeter_required(ORGANISE, "code")
@require_http_methods(["GET", "POST"])
def cci_page(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    ceremony = KeyCeremony.objects.filter(cci=cci).first()
    locked = services.locked_reason(ceremony, code)
    if ceremony is None:
        form = CeremonyForm(code, request.POST or None)
        if request.method == "POST" and not locked and form.is_valid():
            try:
                services.create_ceremony(
                    cci, actor=request.user, group=form.cleaned_data["group"],
                    president=form.cleaned_data["president"],
                    assessors=list(form.cleaned_data["assessors"]),
                    threshold=form.cleaned_data["threshold"],
                )  # fmt: skip
            except Refused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, "Cérémonie ouverte : chaque détenteur peut faire le tour 1."
                )
                return redirect("ceremony:cci", code=code)
        return render(request, "ceremony/create.html", {"cci": cci, "form": form, "locked": locked})
    rows = services.progress(ceremony)
    complete = all(r.received[3] for r in rows) and rows
    complaints = sorted({c for r in rows for c in r.complaints})
    return render(request, "ceremony/cci.html", {
        "cci": cci, "ceremony": ceremony, "rows": rows, "locked": locked,
        "fingerprint": fingerprint(ceremony.document), "complaints": complaints,
        "can_finalize": bool(complete) and not complaints and not locked,
        "trustees_fingerprint": fingerprint(ceremony.trustees) if ceremony.trustees else "",
    })  # fmt: skip


@perimeter_required(ORGANISE, "code")
@require_http_methods(["GET", "POST"])
def restart(request: HttpRequest, code: str) -> HttpResponse:
    ceremony = get_object_or_404(KeyCeremony.objects.select_related("cci"), cci_id=code)
    locked = services.locked_reason(ceremony, code)
    form = RestartForm(code, request.POST or None, initial=_holders_initial(ceremony))
    if request.method == "POST" and not locked and form.is_valid():
        try:
            services.restart_ceremony(
                code, actor=request.user, reason=form.cleaned_data["reason"],
                group=form.cleaned_data["group"], president=form.cleaned_data["president"],
                assessors=list(form.cleaned_data["assessors"]),
                threshold=form.cleaned_data["threshold"],
            )  # fmt: skip
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                "Cérémonie recommencée : chaque détenteur refait les tours depuis le tour 1.",
            )
            return redirect("ceremony:cci", code=code)
    return render(request, "ceremony/restart.html", {
        "cci": ceremony.cci, "ceremony": ceremony, "form": form, "locked": locked,
    })  # fmt: skip


@perimeter_required(ORGANISE, "code")
@require_POST
def finalize(request: HttpRequest, code: str) -> HttpResponse:
    get_object_or_404(KeyCeremony, cci_id=code)
    try:
        ceremony = services.finalize(code, request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Cérémonie terminée : trustees.json publié (empreinte "
            f"{fingerprint(ceremony.trustees)[:16]}…).",
        )
    return redirect("ceremony:cci", code=code)


@perimeter_required(ORGANISE, "code")
def trustees(request: HttpRequest, code: str) -> HttpResponse:
    doc = services.finalized_trustees(code)
    if doc is None:
        raise Http404("La cérémonie de cette COE n'est pas terminée.")
    return json_download(doc, f"trustees-{code}.json")
