"""Imports run on a real Celery worker through Redis (design README §2). Needs PostgreSQL and
Redis, as CI has: the worker is a separate process that must see the test database."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from scrutin.platform.electoral import tasks
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, ImportRun

from .test_imports import AIN, AIN_URNS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("SCRUTIN_TEST_DATABASE_URL") and os.environ.get("SCRUTIN_REDIS_URL")),
        reason="a worker process needs a shared database server and a broker (run in CI)",
    ),
]


def test_upload_is_imported_by_a_celery_worker(
    celery_worker: subprocess.Popen, tmp_path: Path
) -> None:  # type: ignore[type-arg]
    structure = tmp_path / "structure.csv"
    generate.write_csv(structure, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    electors = tmp_path / "electeurs.csv"
    generate.write_csv(
        electors, generate.ELECTORS_HEADER, generate.elector_rows("011", AIN_URNS, 40)
    )
    for kind, path in (("structure", structure), ("electors", electors)):
        run = ImportRun.objects.create(kind=kind, filename=path.name, path=str(path))
        tasks.dispatch(run)
        for _ in range(600):
            run.refresh_from_db()
            if run.status not in ("pending", "running"):
                break
            assert celery_worker.poll() is None, "the Celery worker stopped"
            time.sleep(0.1)
        assert run.status == ImportRun.Status.ACCEPTED, run.summary
    assert Elector.objects.count() == 40
    assert tasks.read_progress(run.pk) == 100
