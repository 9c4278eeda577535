"""The second-factor pages in real Chromium (CCTP 4.1.4.7): a security key enrolled and used
through the site's own webauthn.js, with Chromium's virtual authenticator (DevTools WebAuthn
domain) playing the key; the idle-session warning of idle.js; no CSP violation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from scrutin.platform.accounts.models import SecurityKey

from ...integration.accounts.world import PASSWORD, make_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium: Any, settings: Any) -> Iterator[Any]:
    settings.SCRUTIN_LOGIN_MIN_SECONDS = 0
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text)
    )
    yield page
    context.close()


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/gestion/comptes/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_cctp_4_1_4_7_security_key_enrolled_and_used_in_chromium(
    page: Any, live_server: Any
) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": False,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})  # fmt: skip
    user = make_user("ADMIN", None, national=True)
    sign_in(page, live_server.url, user.username)
    page.wait_for_url("**/gestion/comptes/second-facteur/")
    assert "obligatoire" in page.content()
    page.get_by_role("link", name="Ajouter une clé de sécurité").click()
    page.get_by_label("Nom de la clé").fill("Clé USB bureau")
    page.get_by_role("button", name="Enregistrer ma clé").click()
    page.wait_for_url(f"{live_server.url}/gestion/")  # enrolled: on to the page asked for
    assert "Clé de sécurité enregistrée" in page.content()
    assert SecurityKey.objects.get(user=user).name == "Clé USB bureau"

    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, live_server.url, user.username)
    page.wait_for_url("**/gestion/comptes/verification/")
    page.get_by_role("button", name="Utiliser ma clé de sécurité").click()
    page.wait_for_url(f"{live_server.url}/gestion/")
    assert SecurityKey.objects.get(user=user).last_used_at is not None
    assert page.csp_errors == []


def test_idle_warning_keeps_the_session_alive_then_expires(
    page: Any, live_server: Any, settings: Any
) -> None:
    settings.SCRUTIN_IDLE_TIMEOUT = 4
    settings.SCRUTIN_IDLE_WARNING = 3
    user = make_user("CELE", ["011"])
    sign_in(page, live_server.url, user.username)
    page.wait_for_url(f"{live_server.url}/gestion/")
    stay = page.get_by_role("button", name="Rester connecté")
    stay.wait_for()
    assert "votre session se fermera" in page.get_by_role("alertdialog").inner_text()
    stay.click()
    stay.wait_for(state="detached")
    page.wait_for_url("**/gestion/comptes/connexion/?expiree=1", timeout=15000)
    assert "Votre session a expiré" in page.content()
    assert page.csp_errors == []


def test_account_pages_have_no_serious_accessibility_violation(page: Any, live_server: Any) -> None:
    from ..conftest import axe_violations

    user = make_user("ADMIN", None, national=True)
    page.goto(f"{live_server.url}/gestion/comptes/connexion/")
    found = {"connexion": axe_violations(page)}
    sign_in(page, live_server.url, user.username)
    page.wait_for_url("**/gestion/comptes/second-facteur/")
    found["second-facteur"] = axe_violations(page)
    for path in ("application/", "cle/"):
        page.goto(f"{live_server.url}/gestion/comptes/second-facteur/{path}")
        found[path] = axe_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
