"""Delivery-status notifications built as a receiving MTA writes them (RFC 3464)."""

from __future__ import annotations

import mailbox
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid
from pathlib import Path


def dsn(*, to: str, recipient: str, action: str = "failed", status: str = "5.1.1",
        diagnostic: str = "smtp; 550 5.1.1 <{r}>: Recipient address rejected: User unknown",
        original_message_id: str | None = None) -> bytes:  # fmt: skip
    report = MIMEMultipart("report")
    report.set_param("report-type", "delivery-status")
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.exemple-011.fr>"
    report["To"] = to
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid(domain="mx.exemple-011.fr")
    report["Auto-Submitted"] = "auto-replied"
    report.attach(
        MIMEText(
            f"I'm sorry to have to inform you that your message could not be delivered to {recipient}.\n"
        )
    )
    status_part = Message()
    status_part.set_type("message/delivery-status")
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns; mx.exemple-011.fr"
    per_message["Arrival-Date"] = "Fri, 4 Dec 2026 18:00:00 +0100"
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    if diagnostic:
        per_recipient["Diagnostic-Code"] = diagnostic.format(r=recipient)
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)
    if original_message_id:
        headers = (f"From: elections@scrutin.test\nTo: {recipient}\nMessage-ID: {original_message_id}\n"
                   "Subject: verification\n")  # fmt: skip
        report.attach(MIMEText(headers, "rfc822-headers"))
    return report.as_bytes()


def drop(maildir: Path, raw: bytes) -> None:
    box = mailbox.Maildir(str(maildir), create=True)
    box.add(raw)
