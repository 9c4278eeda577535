"""Test-suite configuration.

With ``SCRUTIN_TEST_DATABASE_URL`` set (CI does), the suite runs on that PostgreSQL server and
*fails* at start-up if it cannot be reached: it never silently falls back to SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("SCRUTIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    url = os.environ.get("SCRUTIN_TEST_DATABASE_URL")
    if not url:
        return
    import psycopg

    try:
        with psycopg.connect(url, dbname="postgres", connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise pytest.UsageError(
            f"SCRUTIN_TEST_DATABASE_URL={url} is unreachable ({exc}); refusing to run the suite."
        ) from exc


def on_postgresql() -> bool:
    return bool(os.environ.get("SCRUTIN_TEST_DATABASE_URL"))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One real Chromium (Debian's, driven by Playwright) for the whole test session: Playwright's
    sync API allows a single instance per thread, shared by every browser test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
