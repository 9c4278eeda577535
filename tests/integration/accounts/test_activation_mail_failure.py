"""Issue 19, item 14: an unreachable mail server during ``scrutin accounts import`` gives a clear
French message, not a traceback, and the activation e-mails can be sent again later."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from .test_managers_import import ccis, run_cli, write  # noqa: F401 - fixture
from .world import SmtpSink, _free_port, make_user, smtp_sink  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

THREE = ("COE;DUPONT;Claire;claire@cci-ain.test;011\r\n"
         "CELE;MARTIN;Paul;paul@cci-ain.test;011\r\n"
         "OBSERV;LEROY;Anne;anne@prefecture.test;974\r\n")  # fmt: skip


def unreachable(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens there: connection refused
    settings.EMAIL_TIMEOUT = 5


def test_issue_19_14_import_with_smtp_down_explains_in_french_then_resend_works(
    tmp_path: Path,
    ccis: None,  # noqa: F811
    settings: Any,
) -> None:
    unreachable(settings)
    result = run_cli("accounts", "import", str(write(tmp_path, THREE)))
    assert result.exit_code == 4, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Comptes créés : 3" in result.stdout and "courriels envoyés : 0" in result.stdout
    assert "3 courriel(s) d'activation non envoyé(s)" in result.stderr
    assert "Le serveur de messagerie est injoignable" in result.stderr
    assert "scrutin accounts resend-activation" in result.stderr
    assert User.objects.filter(is_active=False).count() == 3
    # Resending with the server still down says so too.
    again = run_cli("accounts", "resend-activation")
    assert again.exit_code == 4 and "injoignable" in again.stderr


def test_issue_19_14_resend_activation_mails_every_pending_account_or_the_named_ones(
    tmp_path: Path,
    ccis: None,  # noqa: F811
    settings: Any,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    port = settings.EMAIL_PORT
    unreachable(settings)
    run_cli("accounts", "import", str(write(tmp_path, THREE)))
    settings.EMAIL_PORT = port
    one = run_cli("accounts", "resend-activation", "paul@cci-ain.test")
    assert one.exit_code == 0 and "envoyés : 1 (paul@cci-ain.test)" in one.stdout
    every = run_cli("accounts", "resend-activation", "--base-url", "https://gestion.test")
    assert every.exit_code == 0 and "envoyés : 3" in every.stdout
    assert sorted(m["X-Envelope-To"] for m in smtp_sink.messages) == [
        "anne@prefecture.test", "claire@cci-ain.test", "paul@cci-ain.test", "paul@cci-ain.test"]  # fmt: skip
    unknown = run_cli("accounts", "resend-activation", "personne@cci.test")
    assert unknown.exit_code == 2 and "personne@cci.test" in unknown.stderr


def test_issue_19_14_import_page_and_resend_button_explain_a_mail_failure(
    tmp_path: Path,
    ccis: None,  # noqa: F811
    settings: Any,
) -> None:
    unreachable(settings)
    national = Client()
    national.force_login(make_user("ADMIN", None, national=True))
    with write(tmp_path, THREE).open("rb") as fh:
        page = national.post("/gestion/comptes/import/", {"file": fh}).content.decode()
    assert "3 compte(s) créé(s)" in page
    assert "3 courriel(s) d'activation non envoyé(s)" in page
    claire = User.objects.get(username="claire@cci-ain.test")
    response = national.post(f"/gestion/comptes/{claire.pk}/renvoyer-activation/", follow=True)
    assert "Lien non envoyé à claire@cci-ain.test" in response.content.decode()
