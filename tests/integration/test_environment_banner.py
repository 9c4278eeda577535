"""CCTP 5.1.1.4–5.1.1.6: every page of a test instance carries « ENVIRONNEMENT DE TEST » (voters'
site, management site, error pages), as a note assistive technologies announce; a production
instance shows nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import loader
from django.test import Client

from tests.frenchtext import scan_html

from .accounts.world import make_user

pytestmark = pytest.mark.django_db

BANNER = '<div class="test-env" role="note" aria-label="Environnement de test">'
PAGES = ("/vote/", "/vote/aide/", "/gestion/connexion/", "/vote/page-inexistante/")


def pages() -> dict[str, str]:
    out = {path: Client().get(path).content.decode() for path in PAGES}
    client = Client()
    client.force_login(make_user("CELE", ["011"]))
    response = client.get("/gestion/")
    assert response.status_code == 200
    out["/gestion/ (connecté)"] = response.content.decode()
    out["500"] = loader.get_template("500.html").render()  # no request, no context processor
    return out


def test_cctp_5_1_1_4_every_page_of_a_test_instance_shows_the_banner(settings: Any) -> None:
    settings.SCRUTIN_ENVIRONMENT = "test"
    for path, page in pages().items():
        assert page.count(BANNER) == 1, path
        assert "<strong>ENVIRONNEMENT DE TEST</strong>" in page, path
        assert "<title>[TEST] " in page, path
        # right after the skip link: the first thing read and seen
        assert page.index(BANNER) < page.index('<header class="banner">'), path
        assert scan_html(page, path) == []


def test_a_production_instance_shows_no_banner(settings: Any) -> None:
    settings.SCRUTIN_ENVIRONMENT = "production"
    for path, page in pages().items():
        assert "test-env" not in page and "ENVIRONNEMENT DE TEST" not in page, path
        assert "[TEST]" not in page, path
