"""E-mails and SMS of a test instance (CCTP 5.1.1.4–5.1.1.6): marked « [TEST] », and only to the
allow-list ``SCRUTIN_TEST_RECIPIENTS`` unless the configured backend is a sink. Through the real
mailing engine, a real SMTP server (aiosmtpd) and the local HTTP SMS provider."""

from __future__ import annotations

import smtplib
from email.header import decode_header, make_header
from email.message import Message as Mail
from typing import Any

import pytest
from django.core import mail

from scrutin.platform.mailing import services
from scrutin.platform.mailing.models import Bounce, Campaign, Message
from scrutin.platform.mailing.sms import get_backend
from scrutin.platform.mailing.testguard import NOTICE

from .conftest import Sink
from .test_sms import provider  # noqa: F401  # the local HTTP SMS provider fixture

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = "electeur1@exemple-011.fr"
REASON = "Environnement de test : destinataire hors de la liste autorisée."


def subject(message: Mail) -> str:
    return str(make_header(decode_header(message["Subject"]))).strip()


@pytest.fixture
def test_instance(settings: Any) -> Any:
    """A test instance as settings.py makes it: the guard wraps the configured backend."""
    settings.SCRUTIN_ENVIRONMENT = "test"
    settings.SCRUTIN_TEST_EMAIL_BACKEND = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "scrutin.platform.mailing.testguard.EmailBackend"
    settings.SCRUTIN_TEST_RECIPIENTS = f"{ALLOWED}, @exemple-974.fr, +33 6 00 00 00 01"
    return settings


def test_cctp_5_1_1_4_campaign_reaches_only_the_allow_list_and_refusals_are_readable(
    electors: dict[str, int], sink: Sink, test_instance: Any
) -> None:
    campaign = services.start_campaign("test", "011", None, user=None)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DONE, campaign.message
    assert (campaign.total, campaign.sent, campaign.refused) == (40, 1, 39)
    (delivered,) = sink.messages
    assert delivered["X-Envelope-To"] == ALLOWED
    assert subject(delivered).startswith("[TEST] Élections de la CCI de l'Ain")
    parts = {p.get_content_type(): p.get_payload(decode=True).decode()
             for p in delivered.walk() if not p.is_multipart()}  # fmt: skip
    assert parts["text/plain"].startswith(NOTICE)
    assert "ENVIRONNEMENT DE TEST" in parts["text/html"]
    refused = Message.objects.get(campaign=campaign, address="electeur2@exemple-011.fr")
    assert refused.status == "refused"
    bounce = Bounce.objects.get(elector_number="0110000000002")
    assert bounce.diagnostic == REASON


def test_cctp_5_1_1_4_an_allowed_domain_gets_every_message(
    electors: dict[str, int], sink: Sink, test_instance: Any
) -> None:
    campaign = services.start_campaign("test", "974", None, user=None)
    campaign.refresh_from_db()
    assert (campaign.sent, campaign.refused) == (10, 0)
    assert all(subject(m).startswith("[TEST] ") for m in sink.messages)


def test_cctp_5_1_1_4_other_platform_mails_are_refused_as_by_a_mail_server(
    sink: Sink, test_instance: Any
) -> None:
    """send_mail (activation links, receipts) goes through the same guard."""
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        mail.send_mail("Activez votre compte", "Bonjour", None, ["gestionnaire@cci.fr"])
    code, text = refused.value.recipients["gestionnaire@cci.fr"]
    assert code == 550 and REASON[:-1] in text.decode()
    assert mail.send_mail("Activez votre compte", "Bonjour", None, [ALLOWED]) == 1
    assert [m["X-Envelope-To"] for m in sink.messages] == [ALLOWED]
    assert subject(sink.messages[0]) == "[TEST] Activez votre compte"


def test_cctp_5_1_1_4_a_sink_backend_takes_every_recipient_marked(test_instance: Any) -> None:
    test_instance.SCRUTIN_TEST_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail.send_mail("Accusé de réception", "Texte", None, ["quiconque@exemple.fr"]) == 1
    (sent,) = mail.outbox
    assert sent.subject == "[TEST] Accusé de réception"
    assert sent.body.startswith(NOTICE) and sent.body.endswith("Texte")


def test_production_mails_are_unchanged(sink: Sink) -> None:
    assert mail.send_mail("Activez votre compte", "Bonjour", None, ["gestionnaire@cci.fr"]) == 1
    assert subject(sink.messages[0]) == "Activez votre compte"


def test_cctp_5_1_1_4_sms_provider_reaches_only_allowed_numbers(
    provider: list[dict[str, Any]],  # noqa: F811  # the imported fixture
    test_instance: Any,
) -> None:
    refused = get_backend().send("+33612345678", "Votre code : 1234")
    assert not refused.sent and refused.permanent
    assert refused.diagnostic == "Environnement de test : numéro hors de la liste autorisée."
    assert provider == []
    assert get_backend().send("+33600000001", "Votre code : 1234").sent
    assert provider == [{"to": "+33600000001", "text": "[TEST] Votre code : 1234", "sender": ""}]


def test_cctp_5_1_1_4_sms_file_sink_takes_every_number_marked(test_instance: Any) -> None:
    import json
    from pathlib import Path

    test_instance.SCRUTIN_SMS_BACKEND = "file"
    assert get_backend().send("+33612345678", "Votre code : 1234").sent
    outbox = Path(test_instance.VAR_DIR) / "sms" / "outbox.jsonl"
    (line,) = outbox.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["text"] == "[TEST] Votre code : 1234"


def test_cctp_5_1_1_4_a_test_instance_refuses_to_start_with_an_unguarded_mail_server(
    test_instance: Any,
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from scrutin.platform.mailing.testguard import GUARD, check_configuration

    check_configuration()  # the guard around SMTP
    test_instance.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    check_configuration()  # a sink
    test_instance.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with pytest.raises(ImproperlyConfigured, match="partiraient sans filtre"):
        check_configuration()
    test_instance.EMAIL_BACKEND = test_instance.SCRUTIN_TEST_EMAIL_BACKEND = GUARD
    with pytest.raises(ImproperlyConfigured, match="le filtre lui-même"):
        check_configuration()
    test_instance.SCRUTIN_ENVIRONMENT = "production"
    test_instance.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    check_configuration()


def test_cctp_5_1_1_4_the_demo_mailbox_is_a_sink(test_instance: Any) -> None:
    from scrutin.platform.mailing.outbox import mailbox_files

    test_instance.SCRUTIN_TEST_EMAIL_BACKEND = "scrutin.platform.mailing.outbox.EmailBackend"
    assert mail.send_mail("Accusé de réception", "Texte", None, ["quiconque@exemple.fr"]) == 1
    (eml,) = mailbox_files()
    from email import message_from_bytes

    assert subject(message_from_bytes(eml.read_bytes())) == "[TEST] Accusé de réception"
