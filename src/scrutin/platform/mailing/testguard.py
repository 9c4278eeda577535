"""E-mails and SMS of a test instance (CCTP 5.1.1.4; docs/fr/environnement-de-test.md).

On a test instance (``SCRUTIN_ENVIRONMENT=test``) ``EMAIL_BACKEND`` is :class:`EmailBackend`,
which wraps the configured backend (``SCRUTIN_TEST_EMAIL_BACKEND``) for every e-mail of the
platform — campaigns, resends, activation links, receipts, operator-access notices — since they all
go through Django's ``get_connection``. Each message gets « [TEST] » before its subject and a
first line saying it comes from the test environment. Unless the wrapped backend is a sink
(memory, file, console, dummy, the demo's mailbox), a recipient outside ``SCRUTIN_TEST_RECIPIENTS`` is refused the
way a mail server refuses it (``SMTPRecipientsRefused``, 550 5.7.1 with a French reason), so the
mailing engine records the message as refused with a reason the COE can read.

SMS: :func:`guard_sms` wraps the provider's backend: « [TEST] » before the text, and the HTTP
provider only reaches allow-listed numbers (file and console backends are sinks).
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from ..environment import BANNER, REFUSED_MAIL, REFUSED_SMS, allow_list, is_test
from .outcome import Outcome
from .sms import SmsBackend

PREFIX = "[TEST] "
NOTICE = (
    "Ce message provient de l'ENVIRONNEMENT DE TEST de la plate-forme de vote : il n'a aucune "
    "valeur pour une élection réelle."
)
HTML_NOTICE = f"<p><strong>{BANNER}</strong> — {NOTICE}</p>"
SINKS = (
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "scrutin.platform.mailing.outbox.EmailBackend",  # the demo's local mailbox (.eml files)
)
#: the reply a test instance gives for a recipient outside the allow-list (RFC 3463 5.7.1)
REFUSAL = (550, f"5.7.1 {REFUSED_MAIL}".encode())


GUARD = f"{__name__}.EmailBackend"


def check_configuration() -> None:
    """At start-up of every process (web, worker, command): on a test instance the e-mail backend
    is the guard or a sink, and the guard does not wrap itself."""
    if not is_test():
        return
    backend = str(settings.EMAIL_BACKEND)
    if backend != GUARD and not is_sink(backend):
        raise ImproperlyConfigured(
            f"Environnement de test : EMAIL_BACKEND doit être {GUARD} (ou une boîte de test), "
            f"pas {backend} : les courriels partiraient sans filtre."
        )
    if backend == GUARD and inner_backend() == GUARD:
        raise ImproperlyConfigured("Environnement de test : SCRUTIN_TEST_EMAIL_BACKEND ne peut "
                                   "pas être le filtre lui-même.")  # fmt: skip


def inner_backend() -> str:
    return str(getattr(settings, "SCRUTIN_TEST_EMAIL_BACKEND", "") or SINKS[2])


def is_sink(backend: str) -> bool:
    return backend in SINKS


def mark_message(message: EmailMessage) -> None:
    """« [TEST] » before the subject, the notice as the first line of the text (once)."""
    if not message.subject.startswith(PREFIX):
        message.subject = PREFIX + message.subject
        message.body = f"{NOTICE}\n\n{message.body}"
        alternatives = getattr(message, "alternatives", None)
        if alternatives:
            message.alternatives = [_mark_alternative(a) for a in alternatives]  # type: ignore[attr-defined]


def _mark_alternative(alternative: Any) -> Any:
    content, mimetype = alternative
    if mimetype != "text/html" or not isinstance(content, str):
        return alternative
    kind = type(alternative)  # Django's EmailAlternative (a named tuple), or a plain tuple
    return (_mark_html(content), mimetype) if kind is tuple else kind(_mark_html(content), mimetype)


def _mark_html(content: str) -> str:
    start = content.find("<body")
    end = content.find(">", start) + 1 if start >= 0 else 0
    return content[:end] + HTML_NOTICE + content[end:]


class EmailBackend(BaseEmailBackend):
    """The configured backend, marked and limited to the allow-list (see the module)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.backend = inner_backend()
        self.inner = get_connection(self.backend, fail_silently=fail_silently, **kwargs)

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not is_test():  # a production instance never lists this backend; pass through
            return int(self.inner.send_messages(email_messages) or 0)
        allowed = allow_list()
        kept, refused = [], {}
        for message in email_messages:
            mark_message(message)
            if not is_sink(self.backend):
                outside = [a for a in message.recipients() if not allowed.allows_address(a)]
                for field in ("to", "cc", "bcc"):
                    addresses = getattr(message, field)
                    setattr(message, field, [a for a in addresses if allowed.allows_address(a)])
                if not message.recipients():  # as SMTP: an error only if nobody is left
                    refused.update(dict.fromkeys(outside, REFUSAL))
                    continue
            kept.append(message)
        sent = int(self.inner.send_messages(kept) or 0) if kept else 0
        if refused and not self.fail_silently:
            raise smtplib.SMTPRecipientsRefused(refused)
        return sent


class GuardedSms:
    """An SMS backend of a test instance: « [TEST] » before the text; with ``sink=False`` (the
    HTTP provider) numbers outside the allow-list are refused for good without being sent."""

    def __init__(self, backend: SmsBackend, *, sink: bool) -> None:
        self.backend, self.sink = backend, sink

    def send(self, to: str, text: str) -> Outcome:
        if not self.sink and not allow_list().allows_phone(to):
            return Outcome(False, permanent=True, diagnostic=f"{REFUSED_SMS}.")
        marked = text if text.startswith(PREFIX) else PREFIX + text
        return self.backend.send(to, marked)


def guard_sms(backend: SmsBackend, *, sink: bool) -> SmsBackend:
    return GuardedSms(backend, sink=sink) if is_test() else backend
