"""Issue 12: no favicon, so a 404 on every page. The icon is a static asset (served with the
others and part of the platform seal), named by every page and answered at /favicon.ico."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from scrutin.platform.sealing.documents import asset_files

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/vote/", "/gestion/connexion/"])
def test_review_12_every_page_names_the_icon(path: str) -> None:
    page = Client().get(path).content.decode()
    assert '<link rel="icon" href="/static/scrutin/favicon.svg" type="image/svg+xml">' in page
    assert 'href="/static/scrutin/favicon-32.png" sizes="32x32"' in page


def test_review_12_favicon_ico_is_answered_and_the_icons_are_sealed_assets() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/scrutin/favicon-32.png"
    for name in ("scrutin/favicon.svg", "scrutin/favicon-32.png"):
        assert finders.find(name), name
        assert name in asset_files()
