"""CCTP 4.2.2.1: any access by the provider to the platform is notified automatically and
immediately to each COE concerned — e-mail through a real SMTP server (aiosmtpd) and banner."""

from __future__ import annotations

from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from scrutin.platform.audit.models import Banner, JournalEntry
from scrutin.platform.audit.services import notify_operator_access
from tests.integration.accounts.world import PASSWORD, SmtpSink, World, build_world, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def _readers() -> dict[str, Any]:
    return {
        "coe011": make_user("COE", ["011"], name="coe-011@cci.test"),
        "pres974": make_user("PRESCOE", ["974"], name="pres-974@cci.test"),
        "admin": make_user("ADMIN", national=True, name="admin@ccifrance.test"),
        "cele011": make_user("CELE", ["011"], name="cele-011@cci.test"),  # no journal permission
    }


def test_cctp_4_2_2_1_operator_sign_in_notifies_the_coes_of_its_perimeter(
    world: World, smtp_sink: SmtpSink
) -> None:
    readers = _readers()
    operator = make_user("OPERATEUR", ["011"], name="ops@prestataire.test")
    response = Client().post(
        reverse("accounts:login"), {"username": operator.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    recipients = sorted(m["X-Envelope-To"] for m in smtp_sink.messages)
    assert recipients == ["admin@ccifrance.test", "coe-011@cci.test"]
    mail = smtp_sink.messages[0]
    subject = str(make_header(decode_header(str(mail["Subject"]))))
    assert subject == "[Scrutin] Accès d'un opérateur du prestataire à la plate-forme"
    body = mail.get_payload(decode=True).decode()
    assert "ops@prestataire.test" in body and "011" in body
    entry = JournalEntry.objects.get(event="operator:platform:access")
    assert (entry.cci_code, entry.actor, entry.actor_role) == (
        "011",
        operator.username,
        "OPERATEUR",
    )
    assert f"entrée n° {entry.sequence}" in body
    # the banner: shown to the COE of 011 and to the national reader, never to 974 nor the CELE
    assert "ops@prestataire.test" in _page(readers["coe011"])
    assert "ops@prestataire.test" in _page(readers["admin"])
    assert "ops@prestataire.test" not in _page(readers["pres974"])
    client = Client()
    client.force_login(readers["cele011"])
    assert client.get(reverse("electoral:dashboard")).context["audit_banners"] == []


def _page(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("audit:list")).content.decode()


def test_cctp_4_2_2_1_national_operator_concerns_every_coe(
    world: World, smtp_sink: SmtpSink
) -> None:
    _readers()
    operator = make_user("OPERATEUR", national=True, name="root@prestataire.test")
    access = notify_operator_access(operator, RequestFactory().get("/gestion/"))
    assert access.mailed
    assert sorted(m["X-Envelope-To"] for m in smtp_sink.messages) == [
        "admin@ccifrance.test", "coe-011@cci.test", "pres-974@cci.test"]  # fmt: skip
    assert sorted(e.cci_code for e in access.entries) == ["011", "974"]
    assert Banner.objects.get().national


def test_unreachable_mail_server_is_journaled_and_the_banner_stays(
    world: World, settings: Any
) -> None:
    _readers()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    operator = make_user("OPERATEUR", ["974"], name="ops974@prestataire.test")
    access = notify_operator_access(operator, None)
    assert not access.mailed and access.recipients == ["admin@ccifrance.test", "pres-974@cci.test"]
    assert JournalEntry.objects.filter(event="operator:notification:failure").count() == 1
    assert Banner.objects.get().cci_codes == ["974"]
