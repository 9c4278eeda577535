"""Key holders' pages (permission ``accounts.hold_key`` AND being the designated holder of the
slot; CCI perimeter): the public files of the ceremony, the upload of the round messages made by
``scrutin trustee round1|round2|round3``, the same rounds in the browser, and the browser partial
decryption of an urn's tally. No page receives or returns a secret (CCTP 4.1.4.8, 4.2.2.2)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from scrutin.crypto.encoding import fingerprint

from ..accounts.perimeters import can_access_cci, perimeter_required
from ..electoral.models import Urn
from ..limits import (
    MULTIPART_MARGIN,
    TooLarge,
    body_limit,
    read_upload,
    too_large_json_or_page,
)
from . import services
from .forms import UploadForm
from .models import KeyCeremony, KeyHolder
from .rounds import MAX_MESSAGE, Refused
from .views import json_download

HOLD = "accounts.hold_key"


def _slot(request: HttpRequest, code: str) -> tuple[KeyCeremony, KeyHolder]:
    """The CCI's ceremony and the user's slot in it; 404 for anyone not designated."""
    ceremony = KeyCeremony.objects.select_related("cci").filter(cci_id=code).first()
    holder = services.holder_of(ceremony, request.user) if ceremony else None
    if ceremony is None or holder is None:
        raise Http404("Vous n'êtes pas détenteur de clé de la cérémonie de cette COE.")
    return ceremony, holder


def _files(ceremony: KeyCeremony) -> list[tuple[str, str]]:
    """The public files a holder may download now: (name, label)."""
    out = [("ceremony.json", "Paramètres de la cérémonie (ceremony.json)")]
    for number in (1, 2):
        if services.round_complete(ceremony, number):
            out.append((f"tour-{number}.zip", f"Tous les messages du tour {number} (zip)"))
            out += [
                (f"r{number}-{m.trustee}.json", f"Message du tour {number} de {m.trustee}")
                for m in services.messages(ceremony, number)
            ]
    if ceremony.trustees:
        out.append(("trustees.json", "Résultat public de la cérémonie (trustees.json)"))
    return out


@perimeter_required(HOLD)
def mine(request: HttpRequest) -> HttpResponse:
    slots = [
        (h, services.next_round(h.ceremony, h)[1])
        for h in KeyHolder.objects.filter(user_id=int(request.user.pk or 0))
        .select_related("ceremony__cci")
        .order_by("ceremony__cci_id")
        if can_access_cci(request.user, h.ceremony.cci_id)
    ]
    return render(request, "ceremony/mine.html", {"slots": slots})


@body_limit(MAX_MESSAGE + MULTIPART_MARGIN)
@perimeter_required(HOLD, "code")
@require_http_methods(["GET", "POST"])
def holder_page(request: HttpRequest, code: str) -> HttpResponse:
    ceremony, holder = _slot(request, code)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["fichier"]
        try:
            raw = read_upload(upload, MAX_MESSAGE)
            messages.success(request, services.receive(code, request.user, raw))
        except TooLarge:
            messages.error(
                request, "Ce fichier est trop volumineux pour un message de la cérémonie."
            )
        except Refused as exc:
            messages.error(request, str(exc))
        return redirect("ceremony:holder", code=code)
    number, advice = services.next_round(ceremony, holder)
    return render(request, "ceremony/holder.html", {
        "cci": ceremony.cci, "ceremony": ceremony, "holder": holder, "form": form,
        "round": number, "advice": advice, "files": _files(ceremony),
        "fingerprint": fingerprint(ceremony.document),
        "assessors": ceremony.document["assessors"],
        "locked": services.locked_reason(ceremony, code),
    })  # fmt: skip


@perimeter_required(HOLD, "code")
def file(request: HttpRequest, code: str, name: str) -> HttpResponse:
    ceremony, _ = _slot(request, code)
    if name not in dict(_files(ceremony)):
        raise Http404("Ce fichier n'est pas (encore) disponible.")
    if name == "ceremony.json":
        return json_download(ceremony.document, f"ceremony-{ceremony.document['ceremony_id']}.json")
    if name == "trustees.json":
        return json_download(ceremony.trustees, f"trustees-{code}.json")
    if name.endswith(".zip"):
        number = int(name[len("tour-")])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for m in services.messages(ceremony, number):
                data = json.dumps(m.document, indent=1, ensure_ascii=False) + "\n"
                z.writestr(
                    zipfile.ZipInfo(f"r{number}-{m.trustee}.json", (2026, 1, 1, 0, 0, 0)), data
                )
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{code}-{name}"'
        return response
    number, trustee = int(name[1]), name[3:-5]
    found = [m for m in services.messages(ceremony, number) if m.trustee == trustee]
    return json_download(found[0].document, name)


@perimeter_required(HOLD, "code")
def browser(request: HttpRequest, code: str) -> HttpResponse:
    ceremony, holder = _slot(request, code)
    number, advice = services.next_round(ceremony, holder)
    return render(request, "ceremony/browser.html", {
        "cci": ceremony.cci, "ceremony": ceremony, "holder": holder, "round": number,
        "advice": advice, "fingerprint": fingerprint(ceremony.document),
        "csrf": get_token(request), "locked": services.locked_reason(ceremony, code),
    })  # fmt: skip


@perimeter_required(HOLD, "code")
def state(request: HttpRequest, code: str) -> HttpResponse:
    """What the browser page needs, public documents only."""
    ceremony, holder = _slot(request, code)
    number, advice = services.next_round(ceremony, holder)
    complete = {n: services.round_complete(ceremony, n) for n in (1, 2)}
    return JsonResponse({
        "ceremony": ceremony.document, "fingerprint": fingerprint(ceremony.document),
        "trustee": holder.trustee, "role": holder.role, "round": number, "advice": advice,
        "round1": services.documents(ceremony, 1) if complete[1] else None,
        "round2": services.documents(ceremony, 2) if complete[2] else None,
        "public_key": ceremony.trustees["public_key"] if ceremony.trustees else None,
        "submit": reverse("ceremony:submit", kwargs={"code": code}),
    })  # fmt: skip


@body_limit(MAX_MESSAGE, too_large_json_or_page)
@perimeter_required(HOLD, "code")
@require_POST
def submit(request: HttpRequest, code: str) -> HttpResponse:
    """A round message posted by the browser page (``application/json``)."""
    _slot(request, code)
    if request.content_type != "application/json":
        return JsonResponse({"ok": False, "error": "Document JSON attendu."}, status=400)
    try:
        message = services.receive(code, request.user, request.body)
    except Refused as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=400)
    return JsonResponse({"ok": True, "message": message})


def _tally_url(name: str, code: str) -> str | None:
    try:
        return reverse(name, kwargs={"code": code})
    except NoReverseMatch:
        return None


@perimeter_required(HOLD)
def decrypt(request: HttpRequest, code: str) -> HttpResponse:
    """Partial decryption of an urn's tally in the browser (the keystore never leaves it).

    Before decrypting, the page checks the urn's public closing seal and recomputes the sum of
    the published ballots itself, as ``scrutin trustee decrypt`` does: it refuses any other
    ciphertext (CCTP 4.1.4.8, 4.2.2.2)."""
    urn = get_object_or_404(Urn.objects.select_related("cci"), code=code)
    if not can_access_cci(request.user, urn.cci_id):
        raise PermissionDenied
    ceremony, holder = _slot(request, urn.cci_id)
    if ceremony.trustees is None:
        raise Http404("La cérémonie des clés de cette COE n'est pas terminée.")
    urls: dict[str, Any] = {
        "election": _tally_url("tally:election-json", code),
        "tally": _tally_url("tally:tally-json", code),
        "trustees": _tally_url("tally:trustees-json", code),
        "partial": _tally_url("tally:partial", code),
        "ballots": _tally_url("tally:ballots", code),
        "closing": _tally_url("seals:closing", code),
    }
    return render(request, "ceremony/decrypt.html", {
        "urn": urn, "cci": urn.cci, "holder": holder, "urls": urls,
        "ready": all(urls.values()), "csrf": get_token(request),
    })  # fmt: skip
