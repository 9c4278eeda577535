"""Issue 19: a report's memory does not grow with a hopeless file; degenerate files get a clear
French message (header only, blank lines only, thousands of columns, endless lines)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from scrutin.platform.electoral.annex7 import csvfile
from scrutin.platform.electoral.annex7.electors import COLUMNS, read_electors
from scrutin.platform.electoral.annex7.issues import Limits
from scrutin.platform.electoral.annex7.structure import read_structure

from .helpers import STRUCTURE, valid_row, write

HEADER = ";".join(COLUMNS) + "\r\n"


def hopeless(path: Path, lines: int, pad: int = 0) -> Path:
    """A valid header followed by ``lines`` lines ``x`` (one column instead of 37)."""
    with path.open("w", newline="") as fh:
        fh.write(HEADER)
        fh.write(("x" + " " * pad + "\r\n") * lines)
    return path


def peak_bytes(path: Path, limits: Limits | None) -> int:
    tracemalloc.start()
    try:
        read_electors(path, STRUCTURE, limits=limits)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_issue_19_1_report_memory_is_flat_whatever_the_number_of_findings(
    tmp_path: Path,
) -> None:
    # Both files are read in full (no ceiling): only the per-kind cap bounds the report. The
    # small one is padded so that both fill the reader's 1 MB buffer alike.
    small = hopeless(tmp_path / "small.csv", 1_000, pad=1_100)
    large = hopeless(tmp_path / "large.csv", 200_000)
    limits = Limits(per_kind=100, max_blocking=0)
    small_peak, large_peak = peak_bytes(small, limits), peak_bytes(large, limits)
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)


def test_issue_19_1_capped_report_keeps_the_first_of_each_kind_and_exact_counts(
    tmp_path: Path,
) -> None:
    rows = [valid_row(n) for n in range(1, 301)]
    for row in rows[::2]:
        row[COLUMNS.index("CIVILITE")] = "Monsieur"  # 150 blocking findings on CIVILITE
    for row in rows:
        row[COLUMNS.index("ENSEIGNE")] = "E" * 50  # 300 truncations (warnings) on ENSEIGNE
    report, _ = read_electors(write(tmp_path, rows), STRUCTURE, limits=Limits(per_kind=10))
    assert (report.blocking, report.warnings) == (150, 300)
    assert len(report.issues) == 20 and report.omitted == 430
    assert [i.line for i in report.issues if i.column == "CIVILITE"] == list(range(2, 22, 2))
    kinds = {
        (k["column"], k["blocking"]): (k["count"], k["kept"]) for k in report.as_json()["kinds"]
    }
    assert kinds == {("CIVILITE", True): (150, 10), ("ENSEIGNE", False): (300, 10)}
    # Without limits every finding is kept, as the annex rules' own tests expect.
    full, _ = read_electors(write(tmp_path, rows), STRUCTURE)
    assert len(full.issues) == 450 and "kinds" not in full.as_json()


def test_issue_19_1_reading_stops_at_the_ceiling_and_says_so_in_french(tmp_path: Path) -> None:
    path = hopeless(tmp_path / "x.csv", 50_000)
    report, _ = read_electors(path, STRUCTURE, limits=Limits(per_kind=100, max_blocking=1_000))
    assert report.rows == 1_000 and report.blocking == 1_000 and report.stopped_at == 1_002
    notice = report.issues[-1]
    assert notice.blocking and notice.line == 1_002
    assert notice.message.startswith("Lecture arrêtée avant la ligne 1002")
    assert report.as_json()["stopped_at"] == 1_002


def test_issue_19_8_header_only_file_is_refused_in_french(tmp_path: Path) -> None:
    report, _ = read_electors(write(tmp_path, []), STRUCTURE)
    assert not report.accepted
    assert "ne contient aucun électeur" in report.issues[-1].message


def test_issue_19_8_thousands_of_unknown_columns_are_refused_in_one_message(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(HEADER.rstrip() + "".join(f";C{n}" for n in range(10_000)) + "\n")
    report, _ = read_electors(path, STRUCTURE)
    assert not report.accepted and len(report.issues) == 1
    assert "10\u202f037 colonnes" in report.issues[0].message
    assert f"au plus {csvfile.MAX_COLUMNS}" in report.issues[0].message


def test_issue_19_8_blank_lines_only_say_so(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n   \r\n\n\n")
    report, _ = read_electors(path, STRUCTURE)
    assert [i.message for i in report.issues] == [
        "Le fichier ne contient que des lignes vides : aucune donnée à lire."
    ]


def test_issue_19_8_blank_lines_before_the_header_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = write(tmp_path, [valid_row(1)]).read_bytes()
    path.write_bytes(b"\r\n\r\n" + body)
    report, _ = read_electors(path, STRUCTURE)
    assert report.accepted and report.rows == 1


def test_issue_19_4_an_endless_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", newline="") as fh:
        fh.write(HEADER)
        fh.write(";" * (4 * csvfile.MAX_LINE) + "\r\n")
    tracemalloc.start()
    try:
        report, _ = read_electors(path, STRUCTURE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not report.accepted and "La ligne 2 dépasse" in report.issues[0].message
    assert peak < 20 * csvfile.MAX_LINE * 8  # never the 262,144 fields of the whole line


def test_issue_19_8_header_only_structure_is_refused(tmp_path: Path) -> None:
    from scrutin.platform.electoral.annex7 import generate

    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, [])
    specs, report = read_structure(path)
    assert specs == [] and not report.accepted
    assert "ne contient aucun scrutin" in report.issues[-1].message
