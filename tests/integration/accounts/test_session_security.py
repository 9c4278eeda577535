"""Secure session settings (CCTP 4.1.4.7, 4.2.2.2): CSP, framing, HSTS, cookies, idle timeout."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from scrutin.platform.accounts.middleware import SEEN_AT, SIGNED_IN_AT

from .world import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_csp_forbids_inline_scripts_and_framing_on_every_page() -> None:
    response = Client().get("/gestion/comptes/connexion/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_management_templates_have_no_inline_script_or_style() -> None:
    import re
    from pathlib import Path

    import scrutin.platform as platform

    root = Path(platform.__file__).parent
    # E-mail bodies are not pages: no browser applies the site's CSP to them, and mail clients
    # only honour inline styles (the HTML part of mailing's messages).
    mail = root / "mailing/templates/mailing"
    emails = {
        mail / "test_email.html",
        mail / "material/email.html",
        mail / "material/reminder.html",
    }
    for page in root.glob("*/templates/**/*.html"):
        if page in emails:
            continue
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), page
        assert not re.search(r"<style|\sstyle=\"|\son[a-z]+=\"", text), page


def test_hsts_and_secure_cookies_when_https(settings: Any) -> None:
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE  # not DEBUG
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    response = Client().get("/gestion/comptes/connexion/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=")
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY


def test_csrf_is_enforced_on_the_login_form() -> None:
    user = make_user("CELE", ["011"])
    client = Client(enforce_csrf_checks=True)
    response = client.post("/gestion/comptes/connexion/",
                           {"username": user.username, "password": PASSWORD})  # fmt: skip
    assert response.status_code == 403


def test_idle_session_is_closed_and_warning_script_injected() -> None:
    user = make_user("CELE", ["011"])
    client = Client()
    client.post("/gestion/comptes/connexion/", {"username": user.username, "password": PASSWORD})
    page = client.get("/gestion/")
    assert page.status_code == 200
    assert b'src="/static/accounts/idle.js"' in page.content
    assert f'data-idle="{settings.SCRUTIN_IDLE_TIMEOUT}"'.encode() in page.content
    assert client.post("/gestion/comptes/session/prolonger/").status_code == 204
    session = client.session
    session[SEEN_AT] = time.time() - settings.SCRUTIN_IDLE_TIMEOUT - 1
    session.save()
    expired = client.get("/gestion/")
    assert expired.status_code == 302 and expired.url == "/gestion/comptes/connexion/?expiree=1"
    assert client.get("/gestion/").url.startswith("/gestion/connexion/")  # signed out
    assert client.post("/gestion/comptes/session/prolonger/").status_code == 401


def test_issue_19_17_management_session_has_an_absolute_limit() -> None:
    """Active all along (the idle timer never fires), still signed out once the absolute limit
    from the sign-in has passed; the cookie ends with the browser."""
    user = make_user("CELE", ["011"])
    client = Client()
    login = client.post(
        "/gestion/comptes/connexion/", {"username": user.username, "password": PASSWORD}
    )
    cookie = login.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.get("/gestion/").status_code == 200
    session = client.session
    assert time.time() - session[SIGNED_IN_AT] < 60
    session[SIGNED_IN_AT] = time.time() - settings.SCRUTIN_SESSION_MAX_SECONDS + 60
    session.save()
    assert client.get("/gestion/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 11 * 3600
    session[SEEN_AT] = time.time()
    session.save()
    assert client.post("/gestion/comptes/session/prolonger/").status_code == 302
    assert client.get("/gestion/").url.startswith("/gestion/connexion/")  # signed out
