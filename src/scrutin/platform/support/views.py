"""The support desk's pages (CCTP 5.1.3.2), under /gestion/assistance/.

Every page asks ``support.assist_electors`` and works inside the agent's perimeter: an elector
of another CCI is answered exactly like an unknown number (404). The export for CCI France asks
``support.export_contacts`` and a NATIONAL perimeter.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.perimeters import is_national, perimeter_required
from ..csvexport import csv_response
from ..electoral.models import Elector
from . import services
from .forms import ContactForm, ResendForm

ASSIST = "support.assist_electors"
EXPORT = "support.export_contacts"


@perimeter_required(ASSIST)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: services.MAX_QUERY]
    result, error = None, ""
    if query.strip():
        try:
            result = services.search(request.user, query)
        except services.SearchError as exc:
            error = str(exc)
    return render(request, "support/search.html", {
        "query": query, "result": result, "error": error, "limit": services.SEARCH_LIMIT,
        "can_export": request.user.has_perm(EXPORT) and is_national(request.user),
    })  # fmt: skip


def _elector(request: HttpRequest, number: str) -> Elector:
    elector = services.find(request.user, number)
    if elector is None:
        raise Http404("Électeur introuvable dans votre périmètre.")
    return elector


def _card_page(request: HttpRequest, elector: Elector, contact_form: ContactForm,
               resend_form: ResendForm, status: int = 200) -> HttpResponse:  # fmt: skip
    return render(request, "support/elector.html", {
        "card": services.card(request.user, elector), "form": contact_form,
        "resend_form": resend_form,
    }, status=status)  # fmt: skip


@perimeter_required(ASSIST)
@require_http_methods(["GET", "POST"])
def elector(request: HttpRequest, number: str) -> HttpResponse:
    """The elector's card; POST records a contact about this elector."""
    found = _elector(request, number)
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.record_contact(request.user, elector=found, **form.cleaned_data)
            messages.success(request, "Contact enregistré.")
            return redirect("support:elector", number=found.number)
        return _card_page(request, found, form, ResendForm(), status=400)
    return _card_page(request, found, form, ResendForm())


@perimeter_required(ASSIST)
@require_POST
def resend(request: HttpRequest, number: str) -> HttpResponse:
    """Open a resend request on the elector's behalf, for the COE to decide (C5)."""
    found = _elector(request, number)
    form = ResendForm(request.POST)
    if form.is_valid():
        try:
            services.open_resend(request.user, found, form.cleaned_data["note"])
        except services.ResendRefused as exc:
            form.add_error("note", str(exc))
        else:
            messages.success(
                request, "Demande de renvoi transmise à la commission d'organisation des élections."
            )
            return redirect("support:elector", number=found.number)
    return _card_page(request, found, ContactForm(), form, status=400)


@perimeter_required(ASSIST)
def contacts(request: HttpRequest) -> HttpResponse:
    rows, next_key = services.contacts_page(request.user, request.GET.get("avant", "")[:20])
    return render(request, "support/contacts.html", {
        "rows": rows, "next_key": next_key, "first": not request.GET.get("avant"),
        "can_export": request.user.has_perm(EXPORT) and is_national(request.user),
    })  # fmt: skip


@perimeter_required(ASSIST)
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest) -> HttpResponse:
    """A contact about no elector in particular (a general question, an unknown caller)."""
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_contact(request.user, **form.cleaned_data)
        messages.success(request, "Contact enregistré.")
        return redirect("support:contacts")
    return render(request, "support/contact_new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@perimeter_required(EXPORT)
def export(request: HttpRequest) -> HttpResponseBase:
    """The contact log for CCI France (CCTP 5.1.3.2.4): national only, journaled, streamed."""
    if not is_national(request.user):
        raise PermissionDenied
    services.record_export(request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(f"contacts-assistance-{stamp}.csv", services.EXPORT_HEADER,
                        services.export_rows(request.user))  # fmt: skip
