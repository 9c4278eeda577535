"""E-mails through SMTP with one connection reused for the whole campaign (Django's mail
connection, ``EMAIL_*`` settings): transactional messages with a plain-text part, no
unsubscribe link, ``Auto-Submitted``, one Message-ID each, and the bounce address (VERP) as the
envelope sender so that delivery-status notifications come back to ``SCRUTIN_BOUNCE_ADDRESS``."""

from __future__ import annotations

import hashlib
import hmac
import smtplib
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .composers import Outgoing
from .diagnostics import describe, is_permanent
from .outcome import Outcome


def bounce_address() -> str:
    return str(getattr(settings, "SCRUTIN_BOUNCE_ADDRESS", "") or settings.DEFAULT_FROM_EMAIL)


def _domain() -> str:
    return bounce_address().rpartition("@")[2] or "localhost"


def _tag(message_pk: int) -> str:
    key = str(settings.SECRET_KEY).encode()
    return hmac.new(key, f"verp:{message_pk}".encode(), hashlib.sha256).hexdigest()[:8]


def verp_address(message_pk: int) -> str:
    """``bounces+<pk>-<tag>@domain``: the envelope sender of one message (the tag stops anyone
    from forging a bounce for another message)."""
    local, _, domain = bounce_address().rpartition("@")
    return f"{local}+{message_pk}-{_tag(message_pk)}@{domain}"


def message_of_verp(address: str) -> int | None:
    """The message primary key a VERP address stands for, if its tag is right."""
    local = address.strip("<> ").rpartition("@")[0]
    _, plus, tail = local.partition("+")
    pk, dash, tag = tail.partition("-")
    if not plus or not dash or not pk.isdigit():
        return None
    return int(pk) if hmac.compare_digest(tag, _tag(int(pk))) else None


def new_message_id(message_pk: int) -> str:
    return make_msgid(idstring=f"m{message_pk}", domain=_domain())


class SmtpSender:
    """One SMTP connection kept open across sends, reopened after a connection error."""

    def __init__(self) -> None:
        self.connection: Any = get_connection(fail_silently=False)
        self.opened = False

    def close(self) -> None:
        if self.opened:
            try:
                self.connection.close()
            finally:
                self.opened = False

    def send(self, outgoing: Outgoing, *, message_pk: int, message_id: str) -> Outcome:
        email = EmailMultiAlternatives(
            outgoing.subject, outgoing.text, from_email=verp_address(message_pk),
            to=[outgoing.to], connection=self.connection,
            headers={"From": settings.DEFAULT_FROM_EMAIL, "Message-ID": message_id,
                     "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        )  # fmt: skip
        if outgoing.html:
            email.attach_alternative(outgoing.html, "text/html")
        try:
            if not self.opened:
                self.connection.open()
                self.opened = True
            self.connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (None, b""))
            return self._refusal(code, text)
        except smtplib.SMTPSenderRefused as exc:  # our envelope sender: never the elector's fault
            return Outcome(False, code=exc.smtp_code, diagnostic=describe(exc.smtp_code, ""))
        except smtplib.SMTPResponseException as exc:  # DATA refused, or a reply out of place
            return self._refusal(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError):  # disconnected, unreachable, timeout
            self._reset()
            return Outcome(False, diagnostic=describe(None))
        return Outcome.ok()

    def _refusal(self, code: int | None, text: bytes | str) -> Outcome:
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return Outcome(False, is_permanent(code, text), code, describe(code, text))

    def _reset(self) -> None:
        try:
            self.close()
        except (smtplib.SMTPException, OSError):
            self.opened = False
