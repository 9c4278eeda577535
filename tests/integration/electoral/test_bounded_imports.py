"""Issue 19: electors imports keep a bounded report, save their status last, stop reading a
hopeless file, and delete the uploaded files they no longer need."""

from __future__ import annotations

import io
import os
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db.models.signals import post_save
from django.test import Client, override_settings
from django.utils import timezone

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.electors import COLUMNS
from scrutin.platform.electoral.models import Elector, ImportIssue, ImportRun

from .test_imports import AIN, AIN_URNS, REUNION, run_structure
from .test_pages import csv_upload, officer, upload  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


def hopeless_file(path: Path, lines: int) -> Path:
    with path.open("w", newline="") as fh:
        fh.write(";".join(COLUMNS) + "\r\n" + "x\r\n" * lines)
    return path


@override_settings(SCRUTIN_IMPORT_FINDINGS_PER_KIND=50, SCRUTIN_IMPORT_MAX_BLOCKING=2_000)
def test_issue_19_1_hopeless_file_keeps_a_bounded_report_with_exact_counts(
    tmp_path: Path,
) -> None:
    run_structure(tmp_path, [AIN])
    path = hopeless_file(tmp_path / "x.csv", 100_000)
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="x.csv", path=str(path))
    )
    assert run.status == ImportRun.Status.REJECTED
    assert run.rows == 2_000 and run.blocking == 2_000
    stored = list(run.issues.values_list("line", "message"))
    assert len(stored) == 51  # the first 50 findings and the notice that reading stopped
    assert stored[-1] == (2_002, stored[-1][1]) and "Lecture arrêtée" in stored[-1][1]
    findings = run.summary["findings"]
    assert findings["omitted"] == 1_950 and findings["stopped_at"] == 2_002
    assert findings["kinds"] == [{"column": "", "blocking": True, "count": 2_000, "kept": 50}]


@override_settings(SCRUTIN_IMPORT_FINDINGS_PER_KIND=5, SCRUTIN_IMPORT_MAX_BLOCKING=0)
def test_issue_19_1_status_is_saved_after_the_whole_report(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    seen: list[tuple[str, int]] = []

    def watch(sender: Any, instance: ImportRun, **kwargs: Any) -> None:
        seen.append((instance.status, ImportIssue.objects.filter(run=instance).count()))

    path = hopeless_file(tmp_path / "x.csv", 300)
    run = ImportRun.objects.create(kind="electors", filename="x.csv", path=str(path))
    post_save.connect(watch, sender=ImportRun)
    try:
        run = imports.import_electors(run)
    finally:
        post_save.disconnect(watch, sender=ImportRun)
    assert seen == [(ImportRun.Status.REJECTED, 5)]
    assert run.blocking == 300 and run.summary["findings"]["omitted"] == 295


@override_settings(SCRUTIN_IMPORTS_INLINE=True, SCRUTIN_IMPORT_FINDINGS_PER_KIND=3)
def test_issue_19_1_run_page_shows_exact_counts_per_column(officer: Client) -> None:  # noqa: F811
    upload(officer, "structure",
           csv_upload(generate.structure_rows([AIN]), generate.STRUCTURE_HEADER, "s.csv"))  # fmt: skip
    rows = list(generate.elector_rows("011", AIN_URNS, 40))
    for row in rows:
        row[COLUMNS.index("CIVILITE")] = "Monsieur"
    run = upload(officer, "electors", csv_upload(rows, generate.ELECTORS_HEADER, "a.csv"))
    page = officer.get(f"/gestion/imports/{run.pk}/").content.decode()
    assert "Erreurs par colonne" in page and "les 37 autres sont comptées" in page
    assert (
        '<td>CIVILITE</td><td>Bloquante</td><td class="num">40</td><td class="num">3</td>' in page
    )


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_issue_19_6_refused_upload_is_deleted_at_once_imported_one_kept(
    officer: Client,  # noqa: F811
) -> None:
    upload(officer, "structure",
           csv_upload(generate.structure_rows([AIN]), generate.STRUCTURE_HEADER, "s.csv"))  # fmt: skip
    rows = list(generate.elector_rows("011", AIN_URNS, 5))
    good = upload(officer, "electors", csv_upload(rows, generate.ELECTORS_HEADER, "a.csv"))
    rows[0][COLUMNS.index("CIVILITE")] = "Monsieur"
    bad = upload(officer, "electors", csv_upload(rows, generate.ELECTORS_HEADER, "b.csv"))
    assert good.status == ImportRun.Status.ACCEPTED and Path(good.path).exists()
    assert bad.status == ImportRun.Status.REJECTED and not Path(bad.path).exists()
    assert bad.sha256 and bad.issues.exists()  # the report and fingerprint stay


def test_issue_19_6_imported_uploads_are_purged_after_their_retention(
    tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SCRUTIN_IMPORT_RETENTION_DAYS = 30
    folder = imports.uploads_folder()
    folder.mkdir(parents=True)
    now = timezone.now()

    def run_with(name: str, status: str, age_days: int) -> Path:
        path = folder / name
        path.write_text("x")
        ImportRun.objects.create(kind="electors", filename=name, path=str(path), status=status,
                                 finished_at=now - timedelta(days=age_days))  # fmt: skip
        return path

    old = run_with("old.csv", ImportRun.Status.ACCEPTED, 31)
    recent = run_with("recent.csv", ImportRun.Status.ACCEPTED, 2)
    refused = run_with("refused.csv", ImportRun.Status.REJECTED, 0)
    orphan = folder / "orphan.csv"
    orphan.write_text("x")
    stamp = time.time() - 40 * 86400
    os.utime(orphan, (stamp, stamp))
    outside = tmp_path / "mine.csv"  # a file imported from the command line is never deleted
    outside.write_text("x")
    ImportRun.objects.create(kind="electors", filename="mine.csv", path=str(outside),
                             status=ImportRun.Status.REJECTED, finished_at=now)  # fmt: skip
    assert imports.purge_uploads() == 3
    assert recent.exists() and outside.exists()
    assert not old.exists() and not refused.exists() and not orphan.exists()


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_issue_19_4_upload_peeks_only_the_start_of_the_file(
    officer: Client,  # noqa: F811
    tmp_path: Path,
) -> None:
    upload(officer, "structure",
           csv_upload(generate.structure_rows([AIN, REUNION]), generate.STRUCTURE_HEADER, "s.csv"))  # fmt: skip
    # The first data row is one 20 MB line: the request reads 64 KB of it, the job refuses it.
    path = tmp_path / "long.csv"
    with path.open("w", newline="") as fh:
        fh.write(";".join(COLUMNS) + "\r\n011" + ";" * (20 << 20) + "\r\n")
    tracemalloc.start()
    try:
        assert imports.peek_cci(path) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * imports.PEEK_BYTES * 8, peak
    data = io.BytesIO(path.read_bytes())
    data.name = "long.csv"
    run = upload(officer, "electors", data)
    assert run.status == ImportRun.Status.REJECTED and Elector.objects.count() == 0
    assert "dépasse" in run.issues.get().message


@override_settings(SCRUTIN_IMPORTS_INLINE=True)
def test_issue_19_4_upload_larger_than_the_cap_is_refused_before_reading(
    officer: Client,  # noqa: F811
) -> None:
    from scrutin.platform.electoral.forms import MAX_UPLOAD

    response = officer.post("/gestion/imports/electors/nouveau/", data=b"",
                            content_type="multipart/form-data; boundary=x",
                            CONTENT_LENGTH=str(MAX_UPLOAD + (2 << 20)))  # fmt: skip
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_issue_19_4_job_checks_the_uploader_perimeter(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN, REUNION])
    user = User.objects.create_user("cele974")
    user.user_permissions.add(Permission.objects.get(codename="manage_electoral_data"))
    Perimeter.objects.create(user=user, cci_codes=["974"])
    path = tmp_path / "a.csv"
    generate.write_csv(
        path, generate.ELECTORS_HEADER, list(generate.elector_rows("011", AIN_URNS, 2))
    )
    run = ImportRun.objects.create(kind="electors", filename="a.csv", path=str(path),
                                   created_by=user)  # fmt: skip
    with pytest.raises(imports.ImportRefused, match="pas dans votre périmètre"):
        imports.import_electors(run)
    assert Elector.objects.count() == 0


@override_settings(SCRUTIN_IMPORT_FINDINGS_PER_KIND=100, SCRUTIN_IMPORT_MAX_BLOCKING=0)
def test_issue_19_1_import_memory_is_flat_whatever_the_file(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])

    def peak(path: Path) -> tuple[int, ImportRun]:
        run = ImportRun.objects.create(kind="electors", filename=path.name, path=str(path))
        tracemalloc.start()
        try:
            run = imports.import_electors(run)
            return tracemalloc.get_traced_memory()[1], run
        finally:
            tracemalloc.stop()

    small = tmp_path / "small.csv"  # padded so that both files fill the reader's 1 MB buffer
    with small.open("w", newline="") as fh:
        fh.write(";".join(COLUMNS) + "\r\n" + ("x" + " " * 1_100 + "\r\n") * 1_000)
    peak(small)  # warm Django's caches once
    small_peak, _ = peak(small)
    large_peak, run = peak(hopeless_file(tmp_path / "large.csv", 200_000))
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
    assert run.blocking == 200_000 and run.issues.count() == 100
    assert run.summary["findings"]["kinds"][0]["count"] == 200_000
