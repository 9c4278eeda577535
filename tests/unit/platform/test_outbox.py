"""The local mailbox of ``make demo`` (issue 14): without an SMTP server, every mail the platform
sends — a campaign's message with its VERP envelope sender, a notification — is one ``.eml``
file in ``SCRUTIN_MAIL_DIR`` that a mail client reads back as sent."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage, get_connection

from scrutin.platform.mailing.composers import Outgoing
from scrutin.platform.mailing.outbox import mail_dir, mailbox_files
from scrutin.platform.mailing.smtp import SmtpSender, verp_address

OUTBOX = "scrutin.platform.mailing.outbox.EmailBackend"


def test_issue_14_each_mail_is_one_eml_file_read_back_as_sent(
    tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.SCRUTIN_MAIL_DIR = "demo/courriels"
    settings.EMAIL_BACKEND = OUTBOX
    assert mail_dir() == tmp_path / "demo" / "courriels" and mailbox_files() == []
    sender = SmtpSender()  # the campaigns' path (CCTP 5.2.3.2): VERP envelope, HTML part
    outcome = sender.send(Outgoing("email", to="electeur@exemple.fr", subject="Votre matériel de vote",
                                   text="Tapez votre identifiant : 9740000000001", html="<p>HTML</p>"),
                          message_pk=7, message_id="<m7@localhost>")  # fmt: skip
    sender.close()
    assert outcome.sent
    sent = get_connection().send_messages([
        EmailMessage("Nouvelle demande de renvoi", "Une demande attend.", None, ["coe@cci.fr"]),
        EmailMessage("Personne", "Aucun destinataire.", None, []),
    ])  # fmt: skip
    assert sent == 1
    files = mailbox_files()
    assert len(files) == 2 and not list(mail_dir().glob(".*"))  # no half-written message left
    first = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert first["Return-Path"] == f"<{verp_address(7)}>"
    assert (first["To"], first["Subject"]) == ("electeur@exemple.fr", "Votre matériel de vote")
    assert first["Message-ID"] == "<m7@localhost>"
    plain = first.get_body(preferencelist=("plain",))
    assert plain is not None and "9740000000001" in plain.get_content()
    second = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert (second["To"], second["Subject"]) == ("coe@cci.fr", "Nouvelle demande de renvoi")


def _backend(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCRUTIN_", "DJANGO_"))}
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=clean | {"DJANGO_SETTINGS_MODULE": "scrutin.platform.settings",
                                       **env})  # fmt: skip
    return done.stdout.strip()


def test_issue_14_the_mailbox_only_without_an_smtp_server(tmp_path: Path) -> None:
    var = {"SCRUTIN_VAR_DIR": str(tmp_path)}
    assert _backend(**var, SCRUTIN_DEBUG="1", SCRUTIN_MAIL_DIR="demo/courriels") == OUTBOX
    assert _backend(**var, SCRUTIN_DEBUG="1").endswith("console.EmailBackend")
    assert _backend(**var, SCRUTIN_MAIL_DIR="courriels", SCRUTIN_SMTP_HOST="smtp.cci.fr",
                    SCRUTIN_DEBUG="1").endswith("smtp.EmailBackend")  # fmt: skip
