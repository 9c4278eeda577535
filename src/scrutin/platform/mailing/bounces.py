"""Delivery-status notifications (RFC 3464) read from the bounce mailbox (CCTP 5.2.3.1).

The envelope sender of every e-mail is a VERP address (``mailing.smtp.verp_address``), so the
reports come back to ``SCRUTIN_BOUNCE_ADDRESS``'s mailbox, read as a maildir
(``SCRUTIN_BOUNCE_MAILDIR``, the messages taken are flagged seen and moved to ``cur``) or over
IMAP (``SCRUTIN_BOUNCE_IMAP_URL``: ``imaps://user:password@host:993/INBOX``, unseen messages).
A report is matched to the message it is about by the VERP address it was sent to, else the
original Message-ID it quotes, else the failed recipient's address; ``failed`` makes a
:class:`Bounce` and the message ``bounced``, ``delivered`` marks it ``delivered``; ``delayed``
is only counted. Reports are bounded in size and number per collection, and a report already
taken (same Message-ID) is never counted twice.
"""

from __future__ import annotations

import contextlib
import email
import hashlib
import imaplib
import mailbox
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import HeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..audit.journal import record_event
from .diagnostics import describe, enhanced_code
from .models import Bounce, Message
from .smtp import message_of_verp

MAX_REPORT_BYTES = 512 * 1024
MAX_REPORTS = 10_000  # per collection; the rest waits for the next one


@dataclass
class Recipient:
    address: str
    action: str
    status: str
    diagnostic: str


@dataclass
class Report:
    """One delivery-status notification as read."""

    report_id: str
    envelope_to: list[str]
    original_message_id: str
    recipients: list[Recipient] = field(default_factory=list)


def _address(value: str | None) -> str:
    """``rfc822;user@example.org`` → ``user@example.org``."""
    if not value:
        return ""
    _, _, addr = str(value).partition(";")
    return (addr or str(value)).strip().strip("<>").lower()


def _smtp_code(diagnostic: str) -> int | None:
    _, _, text = diagnostic.partition(";")
    head = text.strip()[:3]
    return int(head) if head.isdigit() else None


def parse_report(raw: bytes) -> Report | None:
    """The DSN in ``raw``, or None if it is not a ``multipart/report; report-type=delivery-status``."""
    msg = email.message_from_bytes(raw)
    if (
        msg.get_content_type() != "multipart/report"
        or msg.get_param("report-type") != "delivery-status"
    ):
        return None
    report_id = str(msg.get("Message-ID", "")).strip() or hashlib.sha256(raw).hexdigest()
    headers = ("Delivered-To", "X-Original-To", "Envelope-To", "To")
    envelope = [
        a.lower()
        for _, a in getaddresses([str(v) for h in headers for v in msg.get_all(h, [])])
        if a
    ]
    out = Report(report_id[:255], envelope, "")
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks: Any = part.get_payload()
            for block in blocks[1:] if isinstance(blocks, list) else []:
                recipient = _address(
                    block.get("Final-Recipient") or block.get("Original-Recipient")
                )
                diagnostic = str(block.get("Diagnostic-Code", ""))
                out.recipients.append(Recipient(recipient, str(block.get("Action", "")).strip().lower(),
                                                str(block.get("Status", "")).strip(), diagnostic))  # fmt: skip
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not out.original_message_id:
            if ctype == "message/rfc822":
                inner = part.get_payload()
                original: Any = inner[0] if isinstance(inner, list) and inner else None
            else:
                body: Any = part.get_payload(decode=True)
                original = HeaderParser().parsestr(bytes(body or b"").decode("utf-8", "replace"))
            if original is not None:
                out.original_message_id = str(original.get("Message-ID", "")).strip()
    return out


def _match(report: Report, recipient: Recipient) -> Message | None:
    for address in report.envelope_to:
        pk = message_of_verp(address)
        if pk is not None and (found := Message.objects.filter(pk=pk).first()):
            return found
    if report.original_message_id:
        found = (
            Message.objects.filter(message_id=report.original_message_id).order_by("-id").first()
        )
        if found is not None:
            return found
    if recipient.address:
        return (
            Message.objects.filter(channel=Message.Channel.EMAIL, address__iexact=recipient.address)
            .order_by("-id")
            .first()
        )
    return None


@transaction.atomic
def apply(report: Report, counts: Counter[str]) -> None:
    """Record what one report says (idempotent: a report already taken changes nothing)."""
    if Bounce.objects.filter(report_id=report.report_id).exists():
        counts["already"] += 1
        return
    for recipient in report.recipients or [Recipient("", "failed", "", "")]:
        message = _match(report, recipient)
        if message is None:
            counts["unmatched"] += 1
            continue
        if recipient.action == "delivered":
            Message.objects.filter(pk=message.pk, status=Message.Status.SENT).update(
                status=Message.Status.DELIVERED
            )
            counts["delivered"] += 1
        elif recipient.action == "failed":
            status = enhanced_code(recipient.status) or enhanced_code(recipient.diagnostic)
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.BOUNCED,
                last_error=describe(_smtp_code(recipient.diagnostic), status)[:500],
            )
            Bounce.objects.create(
                cci_code=message.campaign.cci_code, elector_number=message.elector_number,
                address=recipient.address or message.address, source=Bounce.Source.DSN,
                diagnostic=describe(_smtp_code(recipient.diagnostic), status)[:500],
                status_code=status, message=message, report_id=report.report_id,
                received_at=timezone.now(),
            )  # fmt: skip
            counts["bounced"] += 1
        else:
            counts["other"] += 1


def _read_capped(handle: Any) -> bytes | None:
    data: bytes = handle.read(MAX_REPORT_BYTES + 1)
    return None if len(data) > MAX_REPORT_BYTES else data


def from_maildir(path: Path) -> Iterator[tuple[bytes | None, Any]]:
    """Unseen messages of a maildir, each with a callback flagging it seen."""
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in list(box.iterkeys()):
        msg = box.get_message(key)
        if "S" in msg.get_flags():
            continue
        with box.get_file(key) as handle:
            raw = _read_capped(handle)

        def seen(key: str = key) -> None:
            taken = box.get_message(key)
            taken.set_subdir("cur")
            taken.add_flag("S")
            box[key] = taken

        yield raw, seen


def from_imap(url: str) -> Iterator[tuple[bytes | None, Any]]:
    """Unseen messages of an IMAP folder (fetching flags them seen)."""
    parts = urlsplit(url)
    cls = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    client = cls(
        parts.hostname or "localhost", parts.port or (993 if parts.scheme == "imaps" else 143)
    )
    try:
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(parts.path.strip("/") or "INBOX")
        _, data = client.search(None, "UNSEEN")
        for num in (data[0] or b"").decode().split()[:MAX_REPORTS]:
            _, size = client.fetch(num, "(RFC822.SIZE)")
            head = size[0].decode() if size and isinstance(size[0], bytes) else ""
            digits = head.rpartition("RFC822.SIZE ")[2].rstrip(")")
            if digits.isdigit() and int(digits) > MAX_REPORT_BYTES:
                client.store(num, "+FLAGS", "\\Seen")
                yield None, (lambda: None)
                continue
            _, fetched = client.fetch(num, "(RFC822)")
            raw = next((p[1] for p in fetched if isinstance(p, tuple)), b"")
            yield bytes(raw), (lambda: None)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def collect(*, maildir: str | None = None, imap_url: str | None = None) -> Counter[str]:
    """Read the bounce mailbox once (settings unless given) and record what it says; journaled."""
    maildir = settings.SCRUTIN_BOUNCE_MAILDIR if maildir is None else maildir
    imap_url = settings.SCRUTIN_BOUNCE_IMAP_URL if imap_url is None else imap_url
    counts: Counter[str] = Counter()
    sources = []
    if maildir:
        sources.append(from_maildir(Path(maildir)))
    if imap_url:
        sources.append(from_imap(imap_url))
    for source in sources:
        for raw, seen in source:
            if counts["read"] >= MAX_REPORTS:
                break
            counts["read"] += 1
            report = parse_report(raw) if raw is not None else None
            if raw is None:
                counts["too_big"] += 1
            elif report is None:
                counts["not_a_report"] += 1
            else:
                apply(report, counts)
            seen()
    if counts["read"]:
        record_event("mailing:bounce:collect", data={k: int(v) for k, v in sorted(counts.items())})
    return counts
