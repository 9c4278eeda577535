"""The COE's mailing pages in real Chromium (CCTP 5.2.3.1): start the test campaign, follow it,
see the rejected addresses in French, correct one through the list's rules and test it again.
Screenshots at desktop and 360 px width go to ``SCRUTIN_SCREENSHOTS`` when set; axe-core finds
no accessibility violation on the pages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from scrutin.platform.electoral.models import Elector, ElectorChange
from scrutin.platform.mailing.models import Campaign

from ..accounts.world import make_user
from .conftest import Sink

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs an event loop
pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("SCRUTIN_SCREENSHOTS")


def _axe(page: Any) -> list[str]:
    """axe-core's violations, injected through DevTools so the site's CSP stays in force."""
    page.evaluate("() => { " + AXE.read_text(encoding="utf-8") + "\n}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]]


def _shots(page: Any, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=f"{SHOTS}/{name}-360.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_cctp_5_2_3_1_coe_tests_addresses_corrects_a_rejected_one_and_retests(
    chromium: Any, live_server: Any, electors: dict[str, int], sink: Sink
) -> None:
    client = Client()
    client.force_login(make_user("COE", ["011"], name="coe-011@cci.test"))
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/gestion/envois/")
        assert page.get_by_role("link", name="Courriels et SMS").count() == 1
        assert "CCI de La Réunion" not in page.content()
        page.get_by_role("link", name="CCI de l'Ain").click()
        page.get_by_role("button", name="Envoyer le courriel de test à 40 électeurs").click()
        assert not Campaign.objects.exists()  # the confirmation box is required
        page.get_by_label("J'envoie maintenant le courriel de test").check()
        page.get_by_role("button", name="Envoyer le courriel de test à 40 électeurs").click()
        page.wait_for_url("**/envoi/*/")
        assert page.locator("#statut").inner_text() == "Terminée"
        text = page.locator("main").inner_text()
        assert "Envoyés\n38" in text.replace("\t", "\n")
        assert "Adresse inexistante : la boîte aux lettres n'existe pas (code 5.1.1)." in text
        assert len(sink.messages) == 38
        _shots(page, "envoi")
        assert _axe(page) == []

        page.get_by_role("link", name="Corriger les adresses rejetées").click()
        rows = page.locator("tbody tr")
        assert rows.count() == 2
        _shots(page, "adresses-rejetees")
        assert _axe(page) == []
        page.get_by_role("link", name="Corriger l'adresse de l'électeur 0110000000003").click()
        page.get_by_label("Nouvelle adresse électronique").fill("pas une adresse")
        page.get_by_label("Référence de la décision").fill("Décision CELE n° 12")
        page.get_by_label("Motif").fill("Adresse rejetée au test")
        page.get_by_role("button", name="Enregistrer la nouvelle adresse").click()
        assert "Saisissez une adresse de courriel valide." in page.content()
        page.get_by_label("Nouvelle adresse électronique").fill("bonne.adresse@exemple-011.fr")
        page.get_by_role("button", name="Enregistrer la nouvelle adresse").click()
        assert "L'adresse de l'électeur 0110000000003 est corrigée." in page.content()
        assert page.locator("tbody tr").count() == 1
        assert Elector.objects.get(number="0110000000003").email == "bonne.adresse@exemple-011.fr"
        assert ElectorChange.objects.filter(number="0110000000003", action="correct").exists()

        page.get_by_role("button", name="Tester les 1 adresse corrigée").click()
        page.wait_for_url("**/envoi/*/")
        assert page.locator("#statut").inner_text() == "Terminée"
        latest = Campaign.objects.order_by("-id").first()
        assert latest is not None and (latest.total, latest.sent) == (1, 1)
        assert len(sink.to("bonne.adresse@exemple-011.fr")) == 1
    finally:
        context.close()
