"""CCTP 5.1.1.4–5.1.1.6 in real Chromium: the « ENVIRONNEMENT DE TEST » banner of a test instance
is visible, fits a 360 px phone without horizontal scrolling, and is axe-clean (contrast, note
role); screenshots at 360 px and 1280 px go to ``SCRUTIN_SCREENSHOTS`` when set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import axe_violations

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = {"vote": "/vote/", "gestion": "/gestion/connexion/", "erreur": "/vote/inexistante/"}


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCRUTIN_SCREENSHOTS", "") or tmp_path / "captures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=[360, 1280], ids=["360px", "1280px"])
def viewport(request: Any, chromium: Any) -> Iterator[Any]:
    width = request.param
    context = chromium.new_context(viewport={"width": width, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.width = width
    yield page
    context.close()


def test_cctp_5_1_1_4_banner_is_visible_fits_and_is_accessible(
    viewport: Any, live_server: Any, settings: Any, shots: Path
) -> None:
    settings.SCRUTIN_ENVIRONMENT = "test"
    for name, path in PAGES.items():
        viewport.goto(f"{live_server.url}{path}")
        banner = viewport.get_by_role("note", name="Environnement de test")
        assert banner.is_visible(), name
        assert "ENVIRONNEMENT DE TEST" in banner.inner_text()
        box = banner.bounding_box()
        assert box["y"] == 0 and box["width"] <= viewport.width, (name, box)
        assert viewport.evaluate("document.documentElement.scrollWidth") <= viewport.width, name
        assert viewport.title().startswith("[TEST] ")
        assert axe_violations(viewport) == [], name
        viewport.screenshot(path=str(shots / f"environnement-test-{name}-{viewport.width}.png"))


def test_production_pages_have_no_banner(viewport: Any, live_server: Any, settings: Any) -> None:
    settings.SCRUTIN_ENVIRONMENT = "production"
    for path in PAGES.values():
        viewport.goto(f"{live_server.url}{path}")
        assert viewport.locator(".test-env").count() == 0
        assert "ENVIRONNEMENT DE TEST" not in viewport.content()
