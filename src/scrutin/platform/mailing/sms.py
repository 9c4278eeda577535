"""SMS through a provider, behind one interface chosen by ``SCRUTIN_SMS_BACKEND``:

- ``http``: POST JSON ``{"to": "+336…", "text": "…", "sender": "…"}`` to ``SCRUTIN_SMS_URL`` with
  ``Authorization: Bearer SCRUTIN_SMS_TOKEN``; the provider's id is read from the JSON reply
  (``id``). 2xx = handed over, 4xx = refused for good (bad number), 5xx/timeouts = retried.
- ``file`` (the demo): one JSON line per SMS appended to ``VAR_DIR/sms/outbox.jsonl``.
- ``console``: printed on standard output.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings

from .outcome import Outcome

MAX_REPLY_BYTES = 64 * 1024  # a provider's reply is read up to this size, never more
TIMEOUT = 10


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> Outcome: ...


class HttpSmsBackend:
    def __init__(self, url: str, token: str, sender: str = "") -> None:
        if not url:
            raise ValueError("SCRUTIN_SMS_URL is required by the http SMS backend")
        self.url, self.token, self.sender = url, token, sender

    def send(self, to: str, text: str) -> Outcome:
        body = json.dumps({"to": to, "text": text, "sender": self.sender}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={  # noqa: S310  # URL from settings
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}",
        })  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:  # noqa: S310  # URL from settings
                raw = reply.read(MAX_REPLY_BYTES)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):  # our token, not the elector's number: retried, then failed
                why = f"Le prestataire SMS refuse l'accès : vérifiez le jeton (code {exc.code})."
                return Outcome(False, code=exc.code, diagnostic=why)
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            what = "Numéro refusé" if permanent else "Prestataire SMS indisponible"
            if permanent:
                what += " par le prestataire SMS"
            return Outcome(False, permanent, exc.code, f"{what} (code {exc.code}).")
        except (urllib.error.URLError, OSError):
            return Outcome(False, diagnostic="Le prestataire SMS n'a pas pu être joint.")
        try:
            reference = str(json.loads(raw).get("id", ""))[:100]
        except (ValueError, AttributeError):
            reference = ""
        return Outcome.ok(reference)


class FileSmsBackend:
    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, to: str, text: str) -> Outcome:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        reference = uuid.uuid4().hex
        with self.path.open("a", encoding="utf-8") as out:
            out.write(
                json.dumps({"id": reference, "to": to, "text": text}, ensure_ascii=False) + "\n"
            )
        return Outcome.ok(reference)


class ConsoleSmsBackend:
    def send(self, to: str, text: str) -> Outcome:
        sys.stdout.write(f"SMS pour {to} :\n{text}\n\n")
        return Outcome.ok(uuid.uuid4().hex)


def get_backend() -> SmsBackend:
    """The configured backend; on a test instance wrapped by :mod:`.testguard` (« [TEST] », and
    the HTTP provider reaches only allow-listed numbers)."""
    from .testguard import guard_sms

    name = getattr(settings, "SCRUTIN_SMS_BACKEND", "file")
    if name == "http":
        backend: SmsBackend = HttpSmsBackend(settings.SCRUTIN_SMS_URL, settings.SCRUTIN_SMS_TOKEN,
                                             getattr(settings, "SCRUTIN_SMS_SENDER", ""))  # fmt: skip
        return guard_sms(backend, sink=False)
    if name == "console":
        return guard_sms(ConsoleSmsBackend(), sink=True)
    if name == "file":
        return guard_sms(FileSmsBackend(Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"), sink=True)
    raise ValueError(f"unknown SCRUTIN_SMS_BACKEND {name!r} (http, file or console)")
