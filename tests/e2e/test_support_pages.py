"""The support pages in real Chromium (CCTP 5.1.3.2; issue 14): the public help page and the
support line, axe-clean at 360 px; a support agent finds an elector, records a contact and asks
the commission for a resend, through the pages alone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrutin.platform.electoral.models import Elector
from scrutin.platform.resend.models import ResendRequest
from scrutin.platform.support.models import ContactLog

from ..integration.accounts.world import PASSWORD, build_world, make_user
from .conftest import axe_violations

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go (``SCRUTIN_SCREENSHOTS`` to keep them and look at them)."""
    folder = Path(os.environ.get("SCRUTIN_SCREENSHOTS", "") or tmp_path / "captures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def narrow(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text)
    )
    yield page
    context.close()


@pytest.fixture
def desktop(chromium: Any, settings: Any) -> Iterator[Any]:
    settings.SCRUTIN_LOGIN_MIN_SECONDS = 0
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def test_cctp_5_1_3_2_faq_and_support_line_are_axe_clean_at_360_px(
    narrow: Any, live_server: Any, shots: Path
) -> None:
    narrow.goto(f"{live_server.url}/vote/")
    narrow.get_by_role("link", name="Consultez l'aide").click()
    assert narrow.get_by_role("heading", level=1).inner_text() == "Aide et questions fréquentes"
    for summary in narrow.locator("summary").all():
        summary.click()  # every answer open: axe checks them all
    assert narrow.get_by_text("bloquée pendant 15 minutes").is_visible()
    assert axe_violations(narrow) == []
    width = narrow.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, "the help page scrolls sideways at 360 px"
    narrow.screenshot(path=str(shots / "aide-360.png"), full_page=True)
    narrow.goto(f"{live_server.url}/vote/")
    footer = narrow.locator("footer")
    assert "09 70 00 00 00" in footer.inner_text()
    assert axe_violations(narrow) == []
    assert narrow.csp_errors == []


def test_cctp_5_1_3_2_agent_searches_records_a_contact_and_asks_for_a_resend(
    desktop: Any, live_server: Any, tmp_path: Path, shots: Path
) -> None:
    world = build_world(tmp_path)
    elector = Elector.objects.get(number=world.own.elector)
    Elector.objects.filter(pk=elector.pk).update(usage_name="FONTAINE-DUBOIS")
    make_user("SUPPORT", ["011"], name="agent@assistance.test")
    page = desktop
    page.goto(f"{live_server.url}/gestion/comptes/connexion/")
    page.get_by_label("Identifiant").fill("agent@assistance.test")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/gestion/assistance/")
    page.get_by_label("Rechercher un électeur").fill("fontaine")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=elector.number).click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Électeur {elector.number}"
    assert page.locator("#a-vote").inner_text().startswith("non")
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "assistance-fiche.png"), full_page=True)

    page.get_by_label("Nom et prénom du demandeur").fill("Claire Fontaine")
    page.get_by_label("Téléphone").check()
    page.get_by_label("Nature de la demande").select_option(label="Matériel de vote non reçu")
    page.get_by_label("Précisions (facultatif)").fill("Courrier jamais arrivé au siège.")
    page.get_by_role("button", name="Enregistrer le contact").click()
    assert page.get_by_text("Contact enregistré.").is_visible()
    contact = ContactLog.objects.get()
    assert (contact.requester_name, contact.channel, contact.nature) == (
        "Claire Fontaine",
        "telephone",
        "non-recu",
    )
    assert page.get_by_role("cell", name="Claire Fontaine").is_visible()

    page.get_by_label("Motif pour la commission").fill(
        "Courrier jamais reçu ; identité vérifiée par le nom, l'entreprise et la commune."
    )
    page.get_by_role("button", name="Demander un renvoi à la commission").click()
    assert page.get_by_text("Demande de renvoi transmise").is_visible()
    request = ResendRequest.objects.get()
    assert (request.number, request.origin, request.status) == (elector.number, "support",
                                                                 "pending")  # fmt: skip
    assert page.locator("#renvoi-en-attente").is_visible()

    page.set_viewport_size({"width": 360, "height": 740})
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "assistance-fiche-360.png"), full_page=True)
