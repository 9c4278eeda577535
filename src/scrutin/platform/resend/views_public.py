"""The public resend page on the voting site, without authentication (CCTP 4.1.6, 5.1.3.3):
identity, e-mail address and identity document; abuse bounds in :mod:`.abuse`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..clientaddress import throttle_source
from ..limits import MULTIPART_MARGIN, body_limit, megabytes
from . import abuse, documents, services
from .forms import RequestForm
from .matching import digits

TEMPLATE = "resend/public_form.html"


def _limit() -> int:
    return documents.max_bytes() + 1024 * 1024 + MULTIPART_MARGIN


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = (
        f"Pièce d'identité : le fichier envoyé dépasse {megabytes(documents.max_bytes())} : la "
        "demande n'a pas été lue. Revenez à la page précédente et joignez une photo ou un scan "
        "moins lourd."
    )
    return render(request, "voting/message.html",
                  {"title": "Pièce d'identité trop volumineuse", "message": message}, status=413)  # fmt: skip


def _page(request: HttpRequest, form: RequestForm, source: str, errors: list[str],
          status: int = 200) -> HttpResponse:  # fmt: skip
    context = {"form": form, "errors": errors, "proof": abuse.challenge_for(source),
               "max_size": megabytes(documents.max_bytes())}  # fmt: skip
    return render(request, TEMPLATE, context, status=status)


@body_limit(_limit, _too_large)
@never_cache
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    source = throttle_source(request)
    if request.method == "GET":
        return _page(request, RequestForm(), source, [])
    form = RequestForm(request.POST, request.FILES)
    refusal = abuse.proof_refusal(request.POST.get("preuve_defi", ""),
                                  request.POST.get("preuve_nonce", ""), source)  # fmt: skip
    if refusal is None:
        refusal = abuse.bound_refusal(source, digits(request.POST.get("numero", ""))[:13])
    if refusal is not None:
        form.is_valid()
        return _page(request, form, source, [refusal], status=429 if "Trop" in refusal else 400)
    if not form.is_valid():
        return _page(request, form, source, [], status=400)
    try:
        checked = documents.check_upload(form.cleaned_data["piece"])
    except documents.DocumentRejected as exc:
        form.add_error("piece", str(exc))
        return _page(request, form, source, [], status=400)
    data = form.cleaned_data
    identity = services.Identity(
        family_name=data["nom"].strip(), first_name=data["prenom"].strip(),
        company_name=data["raison_sociale"].strip(), typed_number=data["numero"],
        postal_code=data["code_postal"], birth_date=data["naissance"], email=data["courriel"],
    )  # fmt: skip
    created = services.submit(identity, checked)
    abuse.record_submission(source)
    return render(request, "resend/public_done.html",
                  {"reference": created.reference, "email": created.email})  # fmt: skip
