"""Credential generation on a real Celery worker through Redis (issue 5). Needs PostgreSQL and
Redis: the worker is another process, with the pepper given through the environment."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

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


def test_generation_runs_on_a_celery_worker(
    celery_worker: subprocess.Popen,
    electors: dict[str, int],
    operator_keys: tuple[bytes, bytes],  # type: ignore[type-arg]
) -> None:
    run = services.new_run("011", "new")
    tasks.dispatch(run)
    for _ in range(600):
        run.refresh_from_db()
        if run.done:
            break
        assert celery_worker.poll() is None, "the Celery worker stopped"
        time.sleep(0.1)
    assert run.status == "done", run.message
    assert tasks.read_progress(run.pk) == 100
    assert Credential.objects.count() == electors["011"]
    rows = list(read_rows(Path(run.export_path), operator_keys[0]))
    assert len(rows) == electors["011"]
    assert all(services.authenticate(r[0], r[1]) is not None for r in rows[:5])
