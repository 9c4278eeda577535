"""A local mailbox instead of an SMTP server: each message handed to Django's mail connection is
written as one ``.eml`` file (RFC 5322, readable by any mail client) into ``SCRUTIN_MAIL_DIR``
(relative to ``VAR_DIR`` unless absolute). ``make demo`` uses it so that the test campaign, the
material sent at the opening and the resend notifications can be read without a mail server;
production sets ``SCRUTIN_SMTP_HOST`` and never this.

The envelope sender (the VERP bounce address of a campaign message) is kept in a
``Return-Path`` header, as a delivering mail server records it. Files are named by the time of
writing, so that a listing sorted by name is the order of sending; each is written under a
temporary name, then renamed, so that a reader never sees half a message.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import sanitize_address


def mail_dir() -> Path:
    """The mailbox directory (``VAR_DIR/<SCRUTIN_MAIL_DIR>``)."""
    return Path(settings.VAR_DIR) / str(getattr(settings, "SCRUTIN_MAIL_DIR", "") or "courriels")


def mailbox_files(folder: Path | None = None) -> list[Path]:
    """The messages in the mailbox, oldest first."""
    folder = folder or mail_dir()
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


class EmailBackend(BaseEmailBackend):
    """Django e-mail backend writing one ``.eml`` file per message (the demo's mailbox)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.folder = mail_dir()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                self._write(message)
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        sender = sanitize_address(message.from_email, message.encoding or settings.DEFAULT_CHARSET)
        body = message.message().as_bytes()
        name = f"{datetime.now(UTC):%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / f".{name}.partiel"
        with partial.open("xb") as fh:
            fh.write(f"Return-Path: <{sender}>\n".encode("ascii", "replace") + body)
            fh.flush()
            os.fsync(fh.fileno())
        partial.replace(self.folder / name)
