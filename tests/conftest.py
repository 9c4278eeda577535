"""Test-suite configuration.

With ``SCRUTIN_TEST_DATABASE_URL`` set (CI does), the suite runs on that PostgreSQL server and
*fails* at start-up if it cannot be reached: it never silently falls back to SQLite.
"""

from __future__ import annotations

import os

import pytest


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
