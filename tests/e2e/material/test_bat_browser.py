"""The COE's BAT in real Chromium (CCTP 5.2.2): the dispatch choices typed in the form, the
proof opened, a refusal with its reason, then an approval; axe clean, no CSP violation, the page
usable 360 px wide. ``SCRUTIN_SCREENSHOTS=DIR`` keeps the screenshots for a human look."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from scrutin.platform.material.models import Bat, DispatchSettings

from ...integration.accounts.world import build_world, make_user
from ...integration.material.conftest import ADDRESS, REROUTE
from ..conftest import axe_violations

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coe_page(chromium: Any, live_server: Any, tmp_path: Path, settings: Any) -> Iterator[Any]:
    settings.SCRUTIN_VOTE_OPENS_AT = "2026-11-19T09:00"
    settings.SCRUTIN_VOTE_CLOSES_AT = "2026-11-26T18:00"
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()
    build_world(tmp_path)
    user = make_user("PRESCOE", ["011"], name="president-011@cci.test")
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text)
    )
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("SCRUTIN_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_cctp_5_2_2_coe_refuses_with_a_reason_then_approves_in_chromium(
    coe_page: Any, live_server: Any
) -> None:
    page = coe_page
    page.goto(f"{live_server.url}/gestion/materiel/")
    page.get_by_role("link", name="Choix d'expédition de CCI de l'Ain").click()
    page.get_by_label("Les courriers sont envoyés à la COE").check()
    page.get_by_label("Adresse de livraison à la COE").fill(REROUTE)
    page.get_by_label("Adresse de la CCI imprimée").fill(
        "\n".join([*ADDRESS.splitlines(), "x" * 40])
    )
    page.get_by_label("Nombre de courriers par lot").fill("500")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert "ligne 5 : 40 caractères, 38 au maximum" in page.content()  # nothing lost, said where
    assert page.get_by_label("Adresse de livraison à la COE").input_value() == REROUTE
    shot(page, "reglages-erreur")
    page.get_by_label("Adresse de la CCI imprimée").fill(ADDRESS)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/gestion/materiel/cci/011/bat/")
    assert DispatchSettings.objects.get(cci_code="011").mode == "reroute"
    assert "jeudi 19 novembre 2026 à 09 h 00" in page.content()
    with page.expect_response("**/bat/epreuve.pdf") as proof:
        page.evaluate(
            "url => fetch(url)", f"{live_server.url}/gestion/materiel/cci/011/bat/epreuve.pdf"
        )
    assert proof.value.status == 200 and proof.value.body().startswith(b"%PDF")
    assert axe_violations(page) == []
    shot(page, "bat-desktop")

    with page.expect_navigation():  # no reason: refused, said why
        page.get_by_role("button", name="Refuser le BAT").click()
    assert "Indiquez le motif" in page.content()
    assert Bat.objects.get(cci_code="011").coe_status == "pending"
    page.get_by_label("Motif du refus (obligatoire)").fill("Le logo de la CCI manque.")
    page.get_by_role("button", name="Refuser le BAT").click()
    page.wait_for_selector("text=BAT refusé")
    assert page.locator("#motif").inner_text() == "Le logo de la CCI manque."
    assert Bat.objects.get(cci_code="011").coe_reason == "Le logo de la CCI manque."

    page.get_by_role("button", name="Valider le BAT").click()
    page.wait_for_selector("text=BAT validé")
    assert "Validé par la COE" in page.locator("#statut-coe").inner_text()
    assert Bat.objects.get(cci_code="011").coe_approved
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []
    shot(page, "bat-360")
    page.goto(f"{live_server.url}/gestion/materiel/cci/011/expedition/")
    assert page.get_by_role("button", name="Enregistrer").is_disabled()
    shot(page, "reglages-verrouilles-360")
    assert page.csp_errors == []


def test_cctp_5_2_2_cci_france_approves_the_bat_general_and_downloads_the_kit_in_chromium(
    chromium: Any, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    import json

    from scrutin.platform.credentials import services as credentials
    from scrutin.platform.credentials.export import generate_keypair
    from scrutin.platform.material import services

    from ...integration.material.conftest import approve, choose

    settings.SCRUTIN_VOTE_OPENS_AT = "2026-11-19T09:00"
    settings.SCRUTIN_VOTE_CLOSES_AT = "2026-11-26T18:00"
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()
    build_world(tmp_path)
    credentials.register_recipient(generate_keypair()[1], "Opérateur de test")
    president = make_user("PRESCOE", ["011"], name="president-011@cci.test")
    choose(president)
    approve(president)
    admin = make_user("ADMIN", None, national=True, name="national@cci.test")
    client = Client()
    client.force_login(admin)
    context = chromium.new_context(locale="fr-FR", accept_downloads=True,
                                   viewport={"width": 1280, "height": 900})  # fmt: skip
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
    page = context.new_page()
    page.goto(f"{live_server.url}/gestion/materiel/national/")
    assert "pas encore de BAT validé par la COE : 974" in page.content()
    assert axe_violations(page) == []
    shot(page, "national-desktop")
    page.get_by_role("button", name="Valider le BAT général des CCI cochées").click()
    page.wait_for_selector("text=BAT général validé pour : 011.")
    assert services.bat_of("011").national_approved
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le kit de CCI de l'Ain").click()
    assert download.value.suggested_filename == "kit-011.json"
    kit = json.loads(Path(download.value.path()).read_bytes())["kit"]
    assert kit["bat"]["national"]["by"] == admin.username and kit["cci"]["code"] == "011"
    page.set_viewport_size({"width": 360, "height": 800})
    assert axe_violations(page) == []
    shot(page, "national-360")
    context.close()
