"""The COE's pages for resend requests (CCTP 5.1.3.3): the queue of its CCIs, a request with its
identity document and the matched line, the decision (accept or refuse with a reason), a resend
on the COE's own initiative, and the national queue of requests to route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.perimeters import is_national, perimeter_required
from ..electoral.models import Elector
from ..mailing.models import Message
from . import matching, services
from .forms import DecisionForm, RouteForm, StartForm
from .models import IdentityDocument, ResendRequest

DECIDE, ROUTE = services.DECIDE, services.ROUTE
PAGE = 200
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


def _may_enter(user: Any) -> bool:
    return bool(user.has_perm(DECIDE) or (user.has_perm(ROUTE) and is_national(user)))


def _entry(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the sign-in page), then a decider or a national router (else 403),
    before anything else, the HTTP method included."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _may_enter(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _request(request: HttpRequest, pk: int) -> ResendRequest:
    """The request, looked up among those the user may see (404 otherwise)."""
    if not _may_enter(request.user):
        raise PermissionDenied
    found: ResendRequest = get_object_or_404(services.visible_to(request.user), pk=pk)
    return found


def _rows(query: Any, status: str) -> list[ResendRequest]:
    if status in ResendRequest.Status.values:
        query = query.filter(status=status)
    return list(query.order_by("-created_at", "-id")[:PAGE])


@perimeter_required(DECIDE)
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("etat", ResendRequest.Status.PENDING)
    rows = _rows(services.visible_to(request.user).exclude(cci_code=""), status)
    return render(request, "resend/list.html", {"rows": rows, "status": status,
                  "statuses": ResendRequest.Status.choices, "national": False, "page": PAGE})  # fmt: skip


@perimeter_required(ROUTE)
def national_queue(request: HttpRequest) -> HttpResponse:
    if not is_national(request.user):
        raise PermissionDenied
    status = request.GET.get("etat", ResendRequest.Status.PENDING)
    rows = _rows(ResendRequest.objects.filter(cci_code=""), status)
    return render(request, "resend/list.html", {"rows": rows, "status": status,
                  "statuses": ResendRequest.Status.choices, "national": True, "page": PAGE})  # fmt: skip


@never_cache
@_entry
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request(request, pk)
    elector = (
        Elector.objects.select_related("urn").filter(number=item.number).first()
        if item.number
        else None
    )
    routable = item.status == ResendRequest.Status.PENDING and services.can_route(
        request.user, item
    )
    suggestions = (
        matching.suggestions(item.cci_code or None, item.family_name, item.postal_code)
        if routable else []
    )  # fmt: skip
    if elector is not None:
        suggestions = [e for e in suggestions if e.number != elector.number]
    document = IdentityDocument.objects.filter(request=item).only("kind", "size").first()
    sent = (
        Message.objects.filter(pk=item.material_message_id).only("address", "status").first()
        if item.material_message_id and services.can_decide(request.user, item)
        else None
    )
    return render(request, "resend/detail.html", {
        "item": item, "elector": elector, "suggestions": suggestions, "routable": routable,
        "decidable": item.status == ResendRequest.Status.PENDING and services.can_decide(request.user, item),
        "shows_document": services.can_decide(request.user, item), "document": document,
        "pending_for_line": services.pending_for(item.number) if item.number else None,
        "decision": DecisionForm(), "route_form": RouteForm(), "sent": sent,
        "offer": services.destinations(item, elector),
    })  # fmt: skip


@_entry
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """The identity document, for the COE of the request's CCI only: never cached, never
    interpreted by the browser as anything but an image or a downloaded PDF."""
    item = _request(request, pk)
    if not services.can_decide(request.user, item):
        raise Http404
    try:
        data, kind = services.read_document(item, user=request.user)
    except services.ResendError as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    disposition = "attachment" if kind == "pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="piece-{item.reference}.{kind}"'
    return response


@_entry
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request(request, pk)
    if not services.can_decide(request.user, item):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    reason = form.data.get("motif", "")
    try:
        if "accepter" in request.POST:
            send_to, typed = _send_to(item, request.POST)
            services.accept(item, user=request.user, reason=reason, send_to=send_to,
                            address=typed)  # fmt: skip
            messages.success(request, f"Demande {item.reference} acceptée : le nouveau matériel "
                             "part par courriel, l'ancien code ne fonctionne plus.")  # fmt: skip
        elif "refuser" in request.POST:
            services.refuse(item, user=request.user, reason=reason)
            messages.success(request, f"Demande {item.reference} refusée : le demandeur reçoit "
                             "le motif par courriel.")  # fmt: skip
        else:
            messages.error(request, "Choisissez « Accepter » ou « Refuser ».")
    except services.ResendError as exc:
        messages.error(request, str(exc))
    return redirect("resend:detail", pk=item.pk)


def _send_to(item: ResendRequest, post: Any) -> tuple[str, str]:
    """The COE's choice of address on the decision form: ``envoi`` = ``liste`` or ``demandeur``
    (the requester's), or an ``adresse`` typed for a request opened by the COE or support."""
    elector = Elector.objects.filter(number=item.number).first() if item.number else None
    offer = services.destinations(item, elector)
    typed = str(post.get("adresse", "")).strip()
    if offer.may_type and typed:
        return services.TO_TYPED, typed
    choice = {"liste": services.TO_LIST, "demandeur": services.TO_REQUESTER}.get(
        str(post.get("envoi", ""))
    )
    if choice is None and offer.choice_needed:
        raise services.ResendError(
            "Choisissez l'adresse où envoyer le nouveau matériel : celle de la liste électorale "
            "ou celle indiquée par le demandeur."
        )
    return choice or offer.default, ""


@_entry
@require_POST
def route(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request(request, pk)
    if not services.can_route(request.user, item):
        raise PermissionDenied
    try:
        routed = services.route(item, number=request.POST.get("numero", ""), user=request.user)
    except services.ResendError as exc:
        messages.error(request, str(exc))
        return redirect("resend:detail", pk=item.pk)
    messages.success(request, f"Demande {routed.reference} rattachée à la ligne {routed.number}.")
    if not services.can_decide(request.user, routed):
        return redirect("resend:national")
    return redirect("resend:detail", pk=item.pk)


@perimeter_required(DECIDE)
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """A resend on the COE's own initiative (CCTP 5.1.3.3 "ou par la COE")."""
    form = StartForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            item, _ = services.start_by_coe(form.cleaned_data["numero"], user=request.user,
                                            reason=form.cleaned_data["motif"],
                                            address=form.cleaned_data["adresse"])  # fmt: skip
        except services.ResendError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Matériel renvoyé par courriel (demande {item.reference}) : "
                             "l'ancien code ne fonctionne plus.")  # fmt: skip
            return redirect("resend:detail", pk=item.pk)
    return render(request, "resend/start.html", {"form": form, "error": error})
