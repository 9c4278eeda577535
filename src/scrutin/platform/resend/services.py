"""Resend requests: submission, matching, the COE's decision, notifications (CCTP 4.1.6,
5.1.3.3; docs/resend.md). Retention and purge are in :mod:`.retention`.

Contract C5 (used by the support back-office): :func:`open_request` and :func:`pending_for`.
Acceptance goes through contract C4, ``scrutin.platform.mailing.material.resend_material``: a new
credential (the old code dead at once) and the new material by e-mail only, to the address the
COE chose (:data:`SEND_TO`): the list's, the requester's (an identity decision backed by the
document), or one the COE typed for a request it or support opened. The list is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..accounts.perimeters import can_access_cci, perimeter_of
from ..audit.journal import record_event
from ..electoral.models import Elector
from . import matching, storage
from .documents import CheckedDocument
from .models import IdentityDocument, ResendRequest

DECIDE = "resend.decide_resend"
ROUTE = "resend.route_resend"
MAX_REASON = 2000

# Where the new material goes (CCTP 5.1.3.3): the address on the sealed electoral list, the one
# the requester typed on the public form, or one the COE typed (requests opened by the COE or by
# support, whose requester typed nothing).
TO_LIST, TO_REQUESTER, TO_TYPED = "list", "requester", "typed"
SEND_TO = (TO_LIST, TO_REQUESTER, TO_TYPED)


class ResendError(Exception):
    """The action is refused; the message is French, for the manager or the requester."""


@dataclass(frozen=True)
class Identity:
    """What the requester typed on the public form."""

    family_name: str
    first_name: str
    company_name: str
    typed_number: str
    postal_code: str
    birth_date: date | None
    email: str


def _site() -> str:
    return str(getattr(settings, "SCRUTIN_SITE_URL", "http://localhost:8000")).rstrip("/")


def _journal(event: str, request: ResendRequest, actor: Any = None, **data: Any) -> None:
    record_event(event, actor=actor, cci_code=request.cci_code or None,
                 data={"reference": request.reference, **data})  # fmt: skip


# --- who may do what ----------------------------------------------------------------------------


def can_decide(user: Any, request: ResendRequest) -> bool:
    """The COE of the request's CCI: the permission and the CCI inside the perimeter."""
    return bool(
        request.cci_code and user.has_perm(DECIDE) and can_access_cci(user, request.cci_code)
    )


def can_route(user: Any, request: ResendRequest) -> bool:
    """A national manager routes the national queue; a COE corrects the line of its requests."""
    if request.cci_code:
        return can_decide(user, request)
    perimeter = perimeter_of(user)
    return bool(user.has_perm(ROUTE) and perimeter is not None and perimeter.national)


def visible_to(user: Any) -> Any:
    """The requests a manager may list: its CCIs' (deciders), plus the national queue for a
    national router."""
    query = ResendRequest.objects.none()
    perimeter = perimeter_of(user)
    if perimeter is None:
        return query
    if user.has_perm(DECIDE):
        query = ResendRequest.objects.exclude(cci_code="")
        if not perimeter.national:
            query = query.filter(cci_code__in=list(perimeter.cci_codes))
    if user.has_perm(ROUTE) and perimeter.national:
        query = query | ResendRequest.objects.filter(cci_code="")
    return query


# --- notifications ------------------------------------------------------------------------------


def _holders(permission: str) -> list[User]:
    app_label, codename = permission.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if perm is None:
        return []
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm))
        .exclude(email="")
        .select_related("perimeter")
        .distinct()
        .order_by("pk")
    )


def notified_managers(cci_code: str) -> list[User]:
    """Who is told of a new request: the COE of the CCI, or the national routers."""
    if cci_code:
        return [u for u in _holders(DECIDE) if can_access_cci(u, cci_code)]
    return [u for u in _holders(ROUTE) if (p := perimeter_of(u)) is not None and p.national]


def _send(messages: list[EmailMessage]) -> int:
    if not messages:
        return 0
    try:
        return int(get_connection().send_messages(messages) or 0)
    except OSError:
        return 0  # the request is kept and listed; the journal records how many were told


def notify_managers(request: ResendRequest) -> int:
    """A short e-mail to each manager concerned: no personal data, only a link (CCTP 5.1.3.3
    "Le Titulaire notifie la COE")."""
    link = f"{_site()}/gestion/renvoi/{request.pk}/"
    where = "votre CCI" if request.cci_code else "la file nationale (demande à orienter)"
    body = (
        "Bonjour,\n\n"
        f"Une demande de renvoi du matériel de vote attend une décision pour {where}.\n"
        f"Référence : {request.reference}\n\n"
        f"Consultez-la sur le site gestionnaire (connexion nécessaire) :\n{link}\n\n"
        "Ce message ne contient volontairement aucune donnée personnelle.\n"
    )
    messages = [
        EmailMessage("Nouvelle demande de renvoi du matériel de vote", body, None, [user.email])
        for user in notified_managers(request.cci_code)
    ]
    sent = _send(messages)
    record_event("resend:request:notify", cci_code=request.cci_code or None,
                 data={"reference": request.reference, "recipients": sent})  # fmt: skip
    return sent


def _tell_requester(request: ResendRequest, subject: str, body: str) -> int:
    if not request.email:
        return 0
    return _send([EmailMessage(subject, body, None, [request.email])])


WHERE_SENT = {
    TO_LIST: "à l'adresse électronique enregistrée sur la liste électorale de votre CCI.",
    TO_REQUESTER: "à l'adresse électronique indiquée dans votre demande.",
    TO_TYPED: "à l'adresse électronique choisie par la commission.",
}


def acceptance_text(request: ResendRequest, send_to: str = TO_LIST) -> str:
    return (
        "Bonjour,\n\n"
        f"Votre demande de renvoi du matériel de vote (référence {request.reference}) a été "
        "acceptée par la commission d'organisation des élections.\n\n"
        "Votre nouveau matériel de vote vous est envoyé dans un autre courriel,\n"
        f"{WHERE_SENT[send_to]}\n"
        "Il contient un nouveau code confidentiel.\n"
        "L'ancien code ne fonctionne plus.\n\n"
        f"Pour voter : {_site()}/vote/\n"
    )


def refusal_text(request: ResendRequest) -> str:
    return (
        "Bonjour,\n\n"
        f"Votre demande de renvoi du matériel de vote (référence {request.reference}) a été "
        "refusée par la commission d'organisation des élections.\n\n"
        f"Motif du refus :\n{request.decision_reason}\n\n"
        "Vous pouvez faire une nouvelle demande en tenant compte de ce motif :\n"
        f"{_site()}/vote/renvoi/\n"
    )


# --- creating requests --------------------------------------------------------------------------


@transaction.atomic
def submit(identity: Identity, document: CheckedDocument) -> ResendRequest:
    """The public request (CCTP 5.1.3.3 "à l'initiative de l'internaute"): stored with its
    document encrypted, matched, routed, journaled; the managers are told after the commit."""
    found = matching.find(typed_number=identity.typed_number, family_name=identity.family_name,
                          first_name=identity.first_name, postal_code=identity.postal_code,
                          birth_date=identity.birth_date)  # fmt: skip
    request = ResendRequest.objects.create(
        origin=ResendRequest.Origin.ELECTOR, number=found.number, cci_code=found.cci_code,
        match=found.method, family_name=identity.family_name, first_name=identity.first_name,
        company_name=identity.company_name, typed_number=identity.typed_number,
        postal_code=identity.postal_code, birth_date=identity.birth_date, email=identity.email,
    )  # fmt: skip
    sealed = storage.seal(document.data, str(request.public_id), document.kind)
    IdentityDocument.objects.create(request=request, kind=document.kind, size=len(document.data),
                                    key_id=sealed.key_id, sealed=sealed.blob)  # fmt: skip
    _journal("resend:request:submit", request, origin=request.origin, method=found.method or "none",
             number=found.number, kind=document.kind, bytes=len(document.data))  # fmt: skip
    transaction.on_commit(lambda: notify_managers(request))
    return request


def pending_for(number: str) -> ResendRequest | None:
    """C5: the pending request attached to this elector line, if any."""
    return (
        ResendRequest.objects.filter(number=number, status=ResendRequest.Status.PENDING)
        .order_by("-created_at", "-id")
        .first()
    )


def open_request(*, number: str, origin: str, user: Any, note: str) -> ResendRequest:
    """C5: a request opened by the COE (``coe``) or by support for the elector (``support``),
    on a line inside ``user``'s perimeter. A pending request for that line is returned as it
    is (one decision per line at a time). Support's requests are notified to the COE."""
    if origin not in (ResendRequest.Origin.COE, ResendRequest.Origin.SUPPORT):
        raise ResendError(
            "Une demande de l'électeur se fait sur le site de vote, avec sa pièce d'identité."
        )
    elector = Elector.objects.filter(number=matching.digits(number)).first()
    if elector is None:
        raise ResendError(
            f"Numéro d'électeur {number!r} : aucune ligne électorale ne porte ce numéro."
        )
    if user is not None and not can_access_cci(user, elector.cci_code):
        raise ResendError(
            f"Numéro d'électeur {number!r} : cette ligne est hors de votre périmètre."
        )
    with transaction.atomic():
        existing = pending_for(elector.number)
        if existing is not None:
            return existing
        request = ResendRequest.objects.create(
            origin=origin, number=elector.number, cci_code=elector.cci_code,
            match=ResendRequest.Match.NUMBER, family_name=elector.family_name or elector.usage_name,
            first_name=elector.first_name, company_name=elector.company_name,
            typed_number=elector.number, postal_code=elector.postal_code, email=elector.email,
            birth_date=elector.birth_date, note=note.strip()[:MAX_REASON],
            created_by=user if isinstance(user, User) else None,
        )  # fmt: skip
        _journal("resend:request:open", request, user, origin=origin, number=elector.number)
        if origin == ResendRequest.Origin.SUPPORT:
            transaction.on_commit(lambda: notify_managers(request))
    return request


# --- decisions ----------------------------------------------------------------------------------


def _locked(request: ResendRequest) -> ResendRequest:
    locked = ResendRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != ResendRequest.Status.PENDING:
        raise ResendError(f"Cette demande est déjà {locked.get_status_display().lower()}.")
    return locked


def route(request: ResendRequest, *, number: str, user: Any) -> ResendRequest:
    """Attach the request to the line ``number`` (the COE corrects the match, or a national
    manager routes a request of the national queue); the new CCI's COE is told."""
    if not can_route(user, request):
        raise PermissionDenied
    elector = Elector.objects.filter(number=matching.digits(number)).first()
    if elector is None:
        raise ResendError(
            f"Numéro d'électeur {number!r} : aucune ligne électorale ne porte ce numéro."
        )
    if not can_access_cci(user, elector.cci_code):
        raise ResendError(
            f"Numéro d'électeur {number!r} : cette ligne est hors de votre périmètre."
        )
    with transaction.atomic():
        locked = _locked(request)
        previous = locked.cci_code
        locked.number, locked.cci_code = elector.number, elector.cci_code
        locked.match = ResendRequest.Match.MANUAL
        locked.save(update_fields=["number", "cci_code", "match"])
        _journal("resend:request:route", locked, user, number=elector.number,
                 previous=previous or "national")  # fmt: skip
        if previous != locked.cci_code:
            transaction.on_commit(lambda: notify_managers(locked))
    return locked


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ResendError(f"Motif : indiquez le motif {what}.")
    if len(reason) > MAX_REASON:
        raise ResendError(f"Motif : {MAX_REASON} caractères au plus.")
    return reason


@dataclass(frozen=True)
class Destinations:
    """Where the new material of a request may go (CCTP 5.1.3.3), as the decision page offers it."""

    list_address: str  # the sealed list's address of the line ("" when it has none)
    requester_address: str  # the requester's typed address, offered when it differs from the list's
    may_type: bool  # the COE may type one: a request it or support opened (nobody typed one)

    @property
    def choice_needed(self) -> bool:
        """Two addresses are offered: the COE must say which one."""
        return bool(self.list_address and self.requester_address)

    @property
    def default(self) -> str:
        return TO_REQUESTER if self.requester_address and not self.list_address else TO_LIST


def destinations(request: ResendRequest, elector: Elector | None) -> Destinations:
    listed = elector.email.strip() if elector is not None else ""
    typed = request.email.strip() if request.origin == ResendRequest.Origin.ELECTOR else ""
    if typed.lower() == listed.lower():
        typed = ""
    return Destinations(listed, typed, request.origin != ResendRequest.Origin.ELECTOR)


def _destination(request: ResendRequest, elector: Elector, send_to: str, typed: str) -> str:
    """The address the material goes to ("" = the list's), or :class:`ResendError` in French."""
    from ..mailing.material import MaterialError, approved_address

    offer = destinations(request, elector)
    if send_to == TO_REQUESTER:
        if request.origin != ResendRequest.Origin.ELECTOR or not request.email:
            raise ResendError("Cette demande ne porte pas d'adresse indiquée par le demandeur.")
        return request.email.strip()
    if send_to == TO_TYPED:
        if not offer.may_type:
            raise ResendError(
                "Pour une demande faite par l'électeur, le matériel part à l'adresse de la liste "
                "électorale ou à celle qu'il a indiquée dans sa demande."
            )
        if not typed.strip():
            raise ResendError("Adresse électronique : indiquez l'adresse où envoyer le matériel.")
        try:
            return approved_address(typed)
        except MaterialError as exc:
            raise ResendError(str(exc)) from None
    if send_to != TO_LIST:
        raise ResendError("Choisissez l'adresse où envoyer le nouveau matériel.")
    if not offer.list_address:
        if offer.requester_address:
            what = (
                "choisissez l'adresse indiquée par le demandeur, après avoir vérifié sa pièce "
                "d'identité."
            )
        elif offer.may_type:
            what = (
                "saisissez l'adresse où envoyer le nouveau matériel, après avoir vérifié "
                "l'identité de l'électeur (par exemple sur une pièce d'identité transmise au "
                "support)."
            )
        else:
            what = "refusez la demande en indiquant au demandeur comment obtenir son matériel."
        raise ResendError(
            f"La ligne électorale {elector.number} n'a pas d'adresse électronique et le matériel "
            f"n'est renvoyé que par courriel : {what}"
        )
    return ""


def accept(request: ResendRequest, *, user: Any, reason: str, send_to: str = TO_LIST,
           address: str = "") -> Any:  # fmt: skip
    """The COE accepts (CCTP 5.1.3.3): new credential, the old code dead at once, new material
    by e-mail only (C4) to the address the COE chose (``send_to``, one of :data:`SEND_TO`;
    ``address`` is the one it typed for ``TO_TYPED``); the requester is told. The choice is
    journaled with the SHA-256 of the address, never the address. The electoral list is not
    changed. Returns the material's mailing message."""
    if not can_decide(user, request):
        raise PermissionDenied
    reason = _reason(reason, "de l'acceptation (il est inscrit au journal)")
    if not request.number:
        raise ResendError("Choisissez d'abord la ligne électorale de cette demande.")
    try:
        from ..mailing.material import MaterialError, address_digest, resend_material
    except ImportError as exc:
        raise ResendError(
            "L'envoi du matériel par courriel n'est pas encore disponible sur cette plate-forme : "
            "la demande reste en attente."
        ) from exc
    with transaction.atomic():
        locked = _locked(request)
        elector = Elector.objects.filter(number=locked.number).first()
        if elector is None:
            raise ResendError("Choisissez d'abord la ligne électorale de cette demande.")
        destination = _destination(locked, elector, send_to, address)
        try:
            message = resend_material(locked.number, user=user, address=destination,
                                      reason=f"demande de renvoi {locked.reference} : {reason}")  # fmt: skip
        except MaterialError as exc:
            raise ResendError(str(exc)) from exc
        locked.status = ResendRequest.Status.ACCEPTED
        locked.decided_at, locked.decided_by = timezone.now(), user
        locked.decision_reason = reason
        locked.material_message_id = getattr(message, "pk", None)
        locked.save()
        _journal("resend:request:accept", locked, user, number=locked.number, reason=reason,
                 send_to=send_to, address_sha256=address_digest(destination or elector.email))  # fmt: skip
        if locked.origin != ResendRequest.Origin.COE:
            transaction.on_commit(lambda: _tell_requester(
                locked, "Votre demande de renvoi du matériel de vote est acceptée",
                acceptance_text(locked, send_to)))  # fmt: skip
    request.refresh_from_db()
    return message


def refuse(request: ResendRequest, *, user: Any, reason: str) -> ResendRequest:
    """The COE refuses, with a reason that goes into the refusal e-mail (CCTP 5.1.3.3)."""
    if not can_decide(user, request):
        raise PermissionDenied
    reason = _reason(reason, "du refus : il est envoyé au demandeur")
    with transaction.atomic():
        locked = _locked(request)
        locked.status = ResendRequest.Status.REFUSED
        locked.decided_at, locked.decided_by = timezone.now(), user
        locked.decision_reason = reason
        locked.save()
        _journal("resend:request:refuse", locked, user, number=locked.number, reason=reason)
        transaction.on_commit(lambda: _tell_requester(
            locked, "Votre demande de renvoi du matériel de vote est refusée",
            refusal_text(locked)))  # fmt: skip
    request.refresh_from_db()
    return request


def start_by_coe(number: str, *, user: Any, reason: str,
                 address: str = "") -> tuple[ResendRequest, Any]:  # fmt: skip
    """The COE resends on its own initiative (CCTP 5.1.3.3 "ou par la COE"), to ``address``
    when it typed one (an identity decision of the COE), else to the list's address. Nothing is
    opened when there is nowhere to send the material."""
    if not user.has_perm(DECIDE):
        raise PermissionDenied
    reason = _reason(reason, "du renvoi (il est inscrit au journal)")
    elector = Elector.objects.filter(number=matching.digits(number)).first()
    if address.strip():
        from ..mailing.material import MaterialError, approved_address

        try:
            address = approved_address(address)
        except MaterialError as exc:
            raise ResendError(str(exc)) from None
    elif elector is not None and not elector.email and can_access_cci(user, elector.cci_code):
        raise ResendError(
            f"La ligne électorale {elector.number} n'a pas d'adresse électronique et le matériel "
            "n'est renvoyé que par courriel : saisissez l'adresse où l'envoyer, après avoir "
            "vérifié l'identité de l'électeur."
        )
    request = open_request(number=number, origin=ResendRequest.Origin.COE, user=user, note=reason)
    send_to = TO_TYPED if address else TO_LIST
    return request, accept(request, user=user, reason=reason, send_to=send_to, address=address)


def read_document(request: ResendRequest, *, user: Any) -> tuple[bytes, str]:
    """The identity document's bytes and kind, for the COE of the request's CCI only; each
    reading is journaled (never the content)."""
    if not can_decide(user, request):
        raise PermissionDenied
    document = IdentityDocument.objects.filter(request=request).first()
    if document is None:
        raise ResendError("Cette demande n'a pas de pièce d'identité.")
    data = storage.open_sealed(storage.Sealed(document.key_id, bytes(document.sealed)),
                               str(request.public_id), document.kind)  # fmt: skip
    _journal("resend:document:view", request, user, kind=document.kind, bytes=len(data))
    return data, document.kind
