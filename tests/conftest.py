"""Test-suite configuration.

With ``SCRUTIN_TEST_DATABASE_URL`` set (CI does), the suite runs on that PostgreSQL server and
*fails* at start-up if it cannot be reached: it never silently falls back to SQLite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The seals list the package's bytecode caches (docs/protocol.md §14.2): a test that seals the
# platform and checks it later must not see caches written in between (production writes none).
sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

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


def child_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for another process (a Celery worker, a process killed mid-cast) that must
    work on this test session's PostgreSQL databases."""
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "SCRUTIN_TEST_DATABASE_URL"}
    env |= {"SCRUTIN_DATABASE_URL": url, "SCRUTIN_BALLOTBOX_DATABASE_URL": url + "_ballotbox",
            "SCRUTIN_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings",
            "SCRUTIN_CREDENTIAL_PEPPER": str(getattr(settings, "SCRUTIN_CREDENTIAL_PEPPER", "")), **extra}  # fmt: skip
    return env


@pytest.fixture
def celery_worker(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on the test databases and the Redis broker (CI has both)."""
    env = child_env(tmp_path / "worker")
    celery = [sys.executable, "-m", "celery", "-A", "scrutin.platform"]
    subprocess.run([*celery, "purge", "-f"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "--concurrency=1", "--loglevel=WARNING",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield proc
    proc.terminate()
    proc.communicate(timeout=30)
