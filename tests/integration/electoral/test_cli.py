"""Issue 19, item 7: every ``scrutin`` command says in French when the database is missing or
not migrated; ``scrutin electors check`` keeps a bounded report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.electors import COLUMNS

from .test_imports import AIN

SRC = Path(__file__).resolve().parents[3] / "src"


def scrutin(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``scrutin`` command as a user runs it, on a database nobody has set up."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "SCRUTIN_VAR_DIR": str(tmp_path / "var"),
           "SCRUTIN_DATABASE_URL": f"sqlite:///{tmp_path / 'neuve.sqlite3'}",
           "SCRUTIN_BALLOTBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'urne.sqlite3'}"}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("SCRUTIN_TEST_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "scrutin.cli.main", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_issue_19_7_commands_on_a_database_never_migrated_say_so_in_french(
    tmp_path: Path,
) -> None:
    path = tmp_path / "electeurs.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER, [])
    for args in (
        ("electors", "check", str(path), "--report", "json"),
        ("electors", "import", str(path)),
        ("journal", "verify", "--database"),
        ("ops", "restore-check"),
    ):
        done = scrutin(tmp_path, *args)
        assert done.returncode == 3, (args, done.stderr[-2000:])
        assert "Traceback" not in done.stderr
        assert "La base de données n'est pas prête" in done.stderr
        assert "python -m scrutin.platform migrate" in done.stderr


def test_issue_19_7_electors_check_report_is_bounded_with_exact_counts(tmp_path: Path) -> None:
    structure = tmp_path / "structure.csv"
    generate.write_csv(structure, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    path = tmp_path / "x.csv"
    with path.open("w", newline="") as fh:
        fh.write(";".join(COLUMNS) + "\r\n" + "x\r\n" * 30_000)
    _register()
    result = CliRunner().invoke(app, ["electors", "check", str(path), "--structure",
                                      str(structure), "--report", "json"])  # fmt: skip
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["rows"] == 10_000 and report["blocking"] == 10_000
    assert len(report["errors"]) == 1_001 and report["stopped_at"] == 10_002
    assert report["kinds"] == [{"column": "", "blocking": True, "count": 10_000, "kept": 1_000}]
    result = CliRunner().invoke(app, ["electors", "check", str(path), "--structure", str(structure),
                                      "--max-blocking", "0", "--max-per-kind", "100"])  # fmt: skip
    assert "(ligne entière) : 30000 bloquantes, 100 détaillé(s)" in result.stdout
