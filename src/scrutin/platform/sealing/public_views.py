"""The public seals (CCTP 4.2.2.2: "prouver de façon irréfutable que le procédé de scellement
est resté intègre"): every seal with its state, and each signed document as JSON, without
signing in, so that anyone can run ``scrutin verify --seals`` at any time. Read-only."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import services
from .models import PlatformSeal, UrnClosing, UrnSeal


def _json(document: Any, filename: str) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                            content_type="application/json; charset=utf-8")  # fmt: skip
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"  # public documents, fetched by any verifier
    return response


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    seals = UrnSeal.objects.select_related("urn__cci").order_by("urn__code")
    closings = {c.urn_id: c for c in UrnClosing.objects.all()}
    return render(request, "sealing/public.html", {
        "platform": PlatformSeal.objects.order_by("-sequence"),
        "urns": [(s, closings.get(s.urn_id)) for s in seals],
    })  # fmt: skip


@require_safe
def bundle(request: HttpRequest) -> HttpResponse:
    return _json(services.bundle(), "scellements.json")


@require_safe
def platform(request: HttpRequest, sequence: int) -> HttpResponse:
    seal = PlatformSeal.objects.filter(sequence=sequence).first()
    if seal is None:
        raise Http404
    return _json(seal.document, f"scellement-plateforme-{sequence}.json")


@require_safe
def unseal(request: HttpRequest, sequence: int) -> HttpResponse:
    seal = PlatformSeal.objects.filter(sequence=sequence, unseal_document__isnull=False).first()
    if seal is None:
        raise Http404
    return _json(seal.unseal_document, f"descellement-plateforme-{sequence}.json")


@require_safe
def urn(request: HttpRequest, code: str) -> HttpResponse:
    seal = UrnSeal.objects.filter(urn__code=code).first()
    if seal is None:
        raise Http404
    return _json(seal.document, f"scellement-urne-{code}.json")


@require_safe
def closing(request: HttpRequest, code: str) -> HttpResponse:
    row = UrnClosing.objects.filter(urn__code=code).first()
    if row is None:
        raise Http404
    return _json(row.document, f"cloture-urne-{code}.json")


@require_safe
def journal_head(request: HttpRequest) -> HttpResponse:
    """The journal's chain head, signed: keep it, and a later truncation of the journal fails
    ``scrutin journal verify EXPORT --checkpoints`` (docs/journal.md §2)."""
    from ..audit.journal import signed_head_export

    response = HttpResponse(signed_head_export(), content_type="application/x-ndjson")
    response["Content-Disposition"] = 'inline; filename="tete-du-journal.jsonl"'
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response
