"""Issue 19, item 2: the candidatures import runs as a job with progress (a small file within
the request), with the electors import's caps: a bounded report with exact counts, reading
stopped on a hopeless file, and no more than ``MAX_ROWS`` lines."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from scrutin.platform.candidates import importing, tasks
from scrutin.platform.candidates.csvimport import COLUMNS, MAX_ROWS
from scrutin.platform.candidates.models import Candidate
from scrutin.platform.electoral.annex7.issues import Limits
from scrutin.platform.electoral.models import ImportRun

from .conftest import csv_bytes
from .test_import import GOOD, row

pytestmark = pytest.mark.django_db(transaction=True)


def bad_dates(count: int) -> list[list[str]]:
    return [row("011-C", "CCIT", "", f"N{n}", birth="hier") for n in range(count)]


def hopeless(path: Path, lines: int) -> Path:
    path.write_text(";".join(COLUMNS) + "\r\n" + "x;y\r\n" * lines, encoding="utf-8")
    return path


# Queued for a Celery worker that is not running.
@override_settings(CELERY_TASK_ALWAYS_EAGER=False, SCRUTIN_IMPORTS_INLINE=False)
def test_issue_19_2_large_file_runs_as_a_job_with_progress_then_report(
    coe_011: Client, media: Path
) -> None:
    data = csv_bytes(bad_dates(1_500))
    assert len(data) > tasks.INLINE_BYTES
    response = coe_011.post("/gestion/candidatures/cci/011/import/",
                            {"file": SimpleUploadedFile("gros.csv", data)})  # fmt: skip
    run = ImportRun.objects.get(kind=ImportRun.Kind.CANDIDATES)
    assert response.status_code == 302
    assert response.url == f"/gestion/candidatures/cci/011/import/{run.pk}/"
    page = coe_011.get(response.url).content.decode()
    assert "En attente" in page and 'id="progression"' in page
    assert coe_011.get(f"{response.url}progression.json").json()["done"] is False
    tasks.run_import(run.pk)  # what the Celery worker does
    page = coe_011.get(response.url).content.decode()
    assert "rien n'a été importé" in page and "Nombre exact d'erreurs par colonne" in page
    assert "les 1400 autres sont comptées" in page
    run.refresh_from_db()
    assert run.status == ImportRun.Status.REJECTED and run.blocking == 1_500
    assert run.issues.count() == 100 and not Path(run.path).exists()
    progress = coe_011.get(f"{response.url}progression.json").json()
    assert progress == {"status": "rejected", "label": "Refusé", "done": True, "progress": 100}


def test_issue_19_2_small_file_is_imported_in_the_request_and_kept_for_its_retention(
    coe_011: Client,
) -> None:
    page = coe_011.post("/gestion/candidatures/cci/011/import/",
                        {"file": SimpleUploadedFile("c.csv", csv_bytes(GOOD))})  # fmt: skip
    assert page.status_code == 200
    assert "Le fichier a été importé : 5 candidats" in page.content.decode()
    run = ImportRun.objects.get(kind=ImportRun.Kind.CANDIDATES)
    assert run.status == ImportRun.Status.ACCEPTED and run.cci_id == "011"
    assert run.summary["created"] == {"groupements": 3, "candidats": 5}
    assert Path(run.path).exists() and len(run.sha256) == 64
    assert Candidate.objects.count() == 5


def test_issue_19_2_more_than_max_rows_is_refused_without_reading_on(
    structure: None, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    rows = [row("011-C", "CCIT", "", f"N{n}") for n in range(MAX_ROWS + 500)]
    path.write_bytes(csv_bytes(rows))
    outcome = importing.import_candidatures(path, "011", limits=Limits())
    assert not outcome.accepted and Candidate.objects.count() == 0
    assert outcome.report.rows == MAX_ROWS and outcome.report.stopped_at == MAX_ROWS + 2
    assert "plus de 5\u202f000 candidatures" in outcome.report.issues[-1].message


def test_issue_19_2_check_memory_is_flat_whatever_the_number_of_findings(
    structure: None, tmp_path: Path
) -> None:
    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            importing.check_file(path, "011", Limits(per_kind=50, max_blocking=0))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = hopeless(tmp_path / "s.csv", 60), hopeless(tmp_path / "l.csv", 200_000)
    peak(small)  # warm the caches (urn descriptions, compiled patterns) once
    assert peak(large) < 2 * peak(small)
