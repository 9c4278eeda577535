"""Credential generation on a real Celery worker through Redis (issue 5). Needs PostgreSQL and
Redis: the worker is another process, with the pepper given through the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from scrutin.platform.credentials import services, tasks
from scrutin.platform.credentials.export import read_rows
from scrutin.platform.credentials.models import Credential

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "ballotbox"]),
    pytest.mark.skipif(
        not (os.environ.get("SCRUTIN_TEST_DATABASE_URL") and os.environ.get("SCRUTIN_REDIS_URL")),
        reason="a worker process needs a shared database server and a broker",
    ),
]


@pytest.fixture
def worker(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}"
    env = os.environ | {"SCRUTIN_DATABASE_URL": url, "SCRUTIN_BALLOTBOX_DATABASE_URL": url + "_ballotbox",
                        "SCRUTIN_VAR_DIR": str(tmp_path / "worker"),
                        "SCRUTIN_CREDENTIAL_PEPPER": settings.SCRUTIN_CREDENTIAL_PEPPER}  # fmt: skip
    env.pop("SCRUTIN_TEST_DATABASE_URL")
    subprocess.run([sys.executable, "-m", "celery", "-A", "scrutin.platform", "purge", "-f"], env=env,
                   check=True, capture_output=True)  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "scrutin.platform", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield proc
    proc.terminate()
    proc.communicate(timeout=30)


def test_generation_runs_on_a_celery_worker(
    worker: subprocess.Popen,
    electors: dict[str, int],
    operator_keys: tuple[bytes, bytes],  # type: ignore[type-arg]
) -> None:
    run = services.new_run("011", "new")
    tasks.dispatch(run)
    for _ in range(600):
        run.refresh_from_db()
        if run.done:
            break
        assert worker.poll() is None, "the Celery worker stopped"
        time.sleep(0.1)
    assert run.status == "done", run.message
    assert tasks.read_progress(run.pk) == 100
    assert Credential.objects.count() == electors["011"]
    rows = list(read_rows(Path(run.export_path), operator_keys[0]))
    assert len(rows) == electors["011"]
    assert all(services.authenticate(r[0], r[1]) is not None for r in rows[:5])
