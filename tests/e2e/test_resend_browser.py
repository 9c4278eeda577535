"""The resend service in real Chromium (CCTP 4.1.6, 5.1.3.3): an elector fills the public form
with a real PNG of an identity card (the proof of work runs in the page, preuve.js), the COE
opens the request, sees the document and both addresses (the list's and the requester's), chooses
the requester's and accepts; the new material e-mail reaches that address in the SMTP sink and
nothing goes to the list's.
The public page is axe-clean at 360 px and on a desktop; screenshots of both sites."""

from __future__ import annotations

import io
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from scrutin.platform.electoral.models import Elector
from scrutin.platform.resend.models import ResendRequest
from tests.integration.accounts.world import (
    build_world,
    make_user,
    smtp_sink,  # noqa: F401  (fixture: real SMTP server)
)

from .conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "resend"


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Path) -> None:
    settings.SCRUTIN_RESEND_POW_BITS = 12  # a real proof computed by preuve.js in the page
    settings.VAR_DIR = tmp_path
    settings.SCRUTIN_IMPORTS_INLINE = True  # the mailing engine sends in the request (C4)
    settings.SCRUTIN_MAIL_RATE = 0
    cache.clear()


def _card(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (225, 235, 245))
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), "REPUBLIQUE FRANCAISE - CARTE NATIONALE D'IDENTITE", fill="black")
    draw.text((20, 80), "Nom : LAVIGNE-DUPRE", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _signed_in_context(chromium: Any, live_server: Any, user: Any, width: int) -> Any:
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
    return context


def test_cctp_5_1_3_3_elector_requests_and_coe_accepts_in_chromium(
    chromium: Any,
    live_server: Any,
    smtp_sink: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = build_world(tmp_path)
    elector = Elector.objects.get(number=world.own.elector)
    elector.email, elector.family_name, elector.usage_name = (
        "electeur.ain@exemple.fr",
        "LAVIGNE-DUPRE",
        "LAVIGNE-DUPRE",
    )
    elector.save(update_fields=["email", "family_name", "usage_name"])
    coe = make_user("COE", ["011"], name="coe-ain@cci.test")
    SHOTS.mkdir(parents=True, exist_ok=True)
    wide = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    desktop = wide.new_page()
    desktop.goto(f"{live_server.url}/vote/renvoi/")
    assert axe_violations(desktop) == []
    desktop.screenshot(path=str(SHOTS / "formulaire-bureau.png"), full_page=True)
    wide.close()

    context = chromium.new_context(locale="fr-FR", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/vote/renvoi/")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "formulaire-360.png"), full_page=True)
    page.get_by_label("Nom de famille").fill("Lavigne Dupré")
    page.get_by_label("Prénom").fill(elector.first_name)
    page.get_by_label("Code postal").fill(elector.postal_code)
    born = elector.birth_date
    assert born is not None
    page.get_by_label("Jour").fill(str(born.day))
    page.get_by_label("Mois").fill(str(born.month))
    page.get_by_label("Année").fill(str(born.year))
    page.get_by_label("Adresse électronique").fill("demandeur@exemple.fr")
    page.get_by_label("Pièce d'identité").set_input_files(str(_card(tmp_path / "carte.png")))
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.get_by_role("heading", name="Votre demande est envoyée").wait_for(timeout=60_000)
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "envoyee-360.png"), full_page=True)
    context.close()

    request = ResendRequest.objects.get()
    assert (request.number, request.cci_code) == (elector.number, "011")
    assert any("coe-ain@cci.test" in m["X-Envelope-To"] for m in smtp_sink.messages)

    desk = _signed_in_context(chromium, live_server, coe, 1280)
    page = desk.new_page()
    page.goto(f"{live_server.url}/gestion/renvoi/")
    page.get_by_role("link", name=request.reference).click()
    image = page.get_by_role(
        "img", name=f"Pièce d'identité jointe à la demande {request.reference}"
    )
    image.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) == 640
    assert page.get_by_label("À l'adresse de la liste électorale").is_visible()
    page.get_by_label("À l'adresse indiquée par le demandeur").check()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "decision-bureau.png"), full_page=True)
    page.get_by_label("Motif").fill("Pièce d'identité conforme à la liste électorale.")
    page.get_by_role("button", name="Accepter et renvoyer le matériel").click()
    status = page.get_by_role("status")
    status.wait_for()
    text = status.inner_text()
    desk.close()
    if "pas encore disponible" in text:
        pytest.fail("contract C4 (mailing.material.resend_material) is not installed: " + text)
    request.refresh_from_db()
    assert request.status == "accepted", text
    assert "acceptée" in text
    to = [m["X-Envelope-To"] for m in smtp_sink.messages]
    assert "electeur.ain@exemple.fr" not in to, to  # the list's address gets nothing
    received = [m for m in smtp_sink.messages if m["X-Envelope-To"] == "demandeur@exemple.fr"]
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in received]
    assert any(s.endswith("votre nouveau matériel de vote") for s in subjects), subjects
    assert any("acceptée" in s for s in subjects), subjects
