"""What the support desk reads from the other apps of issue 14, through their contracts only:
the dispatch status of an elector's messages (C3, ``mailing.services.status_of``) and the
pending resend request (C5, ``resend.services``). Each is looked up only when its app is
installed, so the desk works (and says so) while those apps are not deployed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps

MAILING_APP = "scrutin.platform.mailing"
RESEND_APP = "scrutin.platform.resend"

CHANNELS = {"email": "Courriel", "sms": "SMS"}
STATUSES = {
    "queued": "En attente d'envoi",
    "sending": "Envoi en cours",
    "sent": "Envoyé",
    "refused": "Refusé par le serveur du destinataire",
    "bounced": "Revenu en erreur (adresse à corriger)",
    "delivered": "Remis au destinataire",
    "failed": "Échec de l'envoi",
}
KINDS = {
    "test": "Courriel de test",
    "material": "Matériel de vote",
    "reminder": "Relance",
    "resend": "Nouveau matériel de vote",
}
ORIGINS = {"elector": "l'électeur (formulaire public)", "coe": "la commission",
           "support": "l'assistance"}  # fmt: skip


class ResendRefused(ValueError):
    """The desk does not open this resend request; the message says why (French)."""


@dataclass(frozen=True)
class DispatchLine:
    channel: str
    kind: str
    status: str
    address: str
    sent_at: datetime | None
    error: str


@dataclass(frozen=True)
class PendingResend:
    created_at: datetime
    origin: str


def mailing_installed() -> bool:
    return apps.is_installed(MAILING_APP)


def resend_installed() -> bool:
    return apps.is_installed(RESEND_APP)


def dispatch_status(number: str) -> list[DispatchLine] | None:
    """The latest message per channel (C3), in French; ``None`` when mailing is not installed.
    Only the status and the address: never the message's text, which carries the code."""
    if not mailing_installed():
        return None
    from ..mailing import services as mailing  # type: ignore[attr-defined,unused-ignore]

    lines = []
    for message in mailing.status_of(number):
        campaign: Any = getattr(message, "campaign", None)
        kind = str(getattr(campaign, "kind", ""))
        lines.append(DispatchLine(
            channel=CHANNELS.get(message.channel, message.channel),
            kind=KINDS.get(kind, "Envoi"),
            status=STATUSES.get(message.status, message.status),
            address=message.address,
            sent_at=message.sent_at,
            error=message.last_error or "",
        ))  # fmt: skip
    return lines


def pending_resend(number: str) -> PendingResend | None:
    """The resend request waiting for the COE's decision (C5), if any."""
    if not resend_installed():
        return None
    from ..resend import services as resend  # type: ignore[attr-defined,unused-ignore]

    request = resend.pending_for(number)
    if request is None:
        return None
    return PendingResend(request.created_at, ORIGINS.get(request.origin, request.origin))


def open_resend(number: str, *, user: Any, note: str) -> PendingResend:
    """Open a resend request on the elector's behalf for the COE to decide (C5)."""
    from ..resend import services as resend  # type: ignore[attr-defined,unused-ignore]

    try:
        request = resend.open_request(number=number, origin="support", user=user, note=note)
    except resend.ResendError as exc:
        raise ResendRefused(str(exc)) from None
    return PendingResend(request.created_at, ORIGINS.get(request.origin, request.origin))
