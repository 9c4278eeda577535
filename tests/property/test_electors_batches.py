"""The batched electors reader (issue 15) against the row-by-row reader it replaced, kept here as
the reference: on any file, the same report (every finding, in order, byte for byte), the same
stored rows, COPY text holding exactly those rows, the same counts and fingerprints per urn."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.platform.electoral.annex7 import electors
from scrutin.platform.electoral.annex7.csvfile import CsvSource
from scrutin.platform.electoral.annex7.electors import COLUMNS, ElectorChecker, read_electors
from scrutin.platform.electoral.annex7.issues import (
    FileRejected,
    Findings,
    Issue,
    Limits,
    Report,
    stop_notice,
)
from tests.strategies.electoral import field_text
from tests.unit.electoral.helpers import STRUCTURE, valid_row


def reference_read(
    path: Path, limits: Limits | None
) -> tuple[Report, ElectorChecker, list[list[str | None]]]:
    """``read_electors`` as it was before batches: one row at a time through ``check``."""
    report = Report.capped(limits)
    checker = ElectorChecker(STRUCTURE)
    issues = report.issues
    assert isinstance(issues, Findings)
    stored: list[list[str | None]] = []
    try:
        with CsvSource(path) as source:
            layout, rows = source.layout_rows(COLUMNS, electors.starts_with_code)
            issues.extend(layout.header_issues)
            width, positions = layout.width, layout.positions
            for line, row in rows:
                if limits is not None and issues.hopeless:
                    report.stopped_at = line
                    issues.announce(stop_notice(line, limits))
                    break
                report.rows += 1
                if len(row) < width:
                    issues.append(
                        Issue(line, "", "", True, f"{len(row)} colonnes au lieu de {width}.")
                    )
                    continue
                out = checker.check(line, [row[p].strip() for p in positions], issues)
                if out is not None:
                    stored.append(out)
    except FileRejected as exc:
        issues.append(exc.issue)
        return report, checker, stored
    if report.rows == 0:
        issues.append(Issue(1, "", "", True, "Le fichier ne contient aucun électeur : seulement "
                            "la ligne d'en-tête. Une liste électorale ne peut pas être vide."))  # fmt: skip
    issues.extend(checker.iter_duplicate_issues())
    issues.sort(key=lambda i: i.line)
    return report, checker, stored


def copy_field(value: str | None) -> str:
    """One field of PostgreSQL's COPY text format, written independently of ``fastpath``."""
    if value is None:
        return "\\N"
    out = []
    for c in value:
        out.append({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(c, c))
    return "".join(out)


# Values each column may take instead of a valid one: empty, too long, wrong, special characters.
ODD = {
    "CODE CCI": ["", "974", "999", " 011 "],
    "CODE DELEGATION": ["ABCDE", ""],
    "CODE CATEGORIE": ["", "S", "X", "I"],
    "CODE SOUS CATEGORIE": ["", "S1", "S2", "S9", "XX"],
    "NUMERO ELECTEUR": [
        "",
        "123",
        "00000000a1",
        "0000000001",
        "0000000002",
        "０００００００００１",
    ],
    "CIVILITE": ["", "MME", "Mme", "DR"],
    "NOM D'USAGE": ["", "X" * 40, "A\tB", "C\\D", "E\nF", "G\rH", "I\x1fJ"],
    "DATE DE NAISSANCE": [
        "",
        "01011901",
        "31021990",
        "01011899",
        "01013000",
        "1234567",
        "0101199a",
    ],
    "NUMERO SIREN": ["", "12345678", "1234567890", "12345678a"],
    "NUMERO NIC": ["", "1234", "123456", "1234a"],
    "TYPE FORME JURIDIQUE": ["", "AB", "C", "B"],
    "ADRACH CODE POSTAL": ["", "1234", "A1B2C", "123456", "Z" * 40],
    "ADRACH PAYS": ["", "france", "BELGIQUE", "Suisse"],
    "ADRJUR CODE POSTAL": ["", "75001", "SW1A 1AA", "é1234"],
    "ADRJUR PAYS": ["FRANCE", "ROYAUME-UNI", ""],
    "EMAIL": ["", "a@b.c", "a@@b.c", "x", "é@b.c", "a.b@c.fr"],
    "TELEPHONE": ["", "0612345678", "0147200000", "+33 6 12 34 56 78", "0692123456", "12", "abc"],
}


ODD_CELLS = [(COLUMNS.index(column), value) for column, values in ODD.items() for value in values]
change = st.one_of(
    st.sampled_from(ODD_CELLS), st.tuples(st.integers(min_value=0, max_value=36), field_text)
)
row_spec = st.tuples(
    st.integers(min_value=1, max_value=40),
    st.lists(change, max_size=2),
    st.sampled_from(["same"] * 8 + ["short", "long"]),
    st.integers(min_value=1, max_value=36),
)


def build(specs: list[tuple[int, list[tuple[int, str]], str, int]]) -> list[list[str]]:
    rows = []
    for number, changes, shape, cut in specs:
        row = valid_row(number)
        for column, value in changes:
            row[column] = value
        if shape == "short":
            row = row[:cut]
        elif shape == "long":
            row = [*row, "extra"]
        rows.append(row)
    return rows


electors_file = st.lists(row_spec, max_size=20).map(build)


@given(
    electors_file,
    st.sampled_from([1, 2, 3, 5, 2000]),
    st.sampled_from([None, Limits(), Limits(per_kind=1, max_blocking=2), Limits(max_blocking=1)]),
    st.sampled_from([";", "\t"]),
)
@settings(max_examples=300, deadline=None)
def test_batched_reader_equals_the_row_by_row_reader(
    rows: list[list[str]], batch: int, limits: Limits | None, delimiter: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        expected, expected_checker, expected_rows = reference_read(path, limits)
        sunk: list[list[str | None]] = []
        copied: list[str] = []
        with mock.patch.object(electors, "BATCH", batch):
            report, checker = read_electors(path, STRUCTURE, sunk.append, limits=limits)
            copy_report, _ = read_electors(path, STRUCTURE, limits=limits, copy=copied.append)
    assert list(report.issues) == list(expected.issues)
    assert list(copy_report.issues) == list(expected.issues)
    assert (report.rows, report.stopped_at, report.blocking, report.warnings, report.omitted) == (
        expected.rows, expected.stopped_at, expected.blocking, expected.warnings, expected.omitted
    )  # fmt: skip
    assert sunk == expected_rows
    assert "".join(copied) == "".join(
        "\t".join(map(copy_field, row)) + "\n" for row in expected_rows
    )
    assert {u: (t.count, t.fingerprint) for u, t in checker.tallies.items()} == {
        u: (t.count, t.fingerprint) for u, t in expected_checker.tallies.items()
    }
    assert checker.cci_code == expected_checker.cci_code


def check_same(rows: list[list[str]], batch: int = 2000, limits: Limits | None = None) -> None:
    """``read_electors`` (sink and COPY) gives what ``reference_read`` gives, on ``rows``."""
    test_batched_reader_equals_the_row_by_row_reader.hypothesis.inner_test(  # type: ignore[attr-defined]
        rows, batch, limits, ";"
    )


def test_each_odd_value_on_a_screened_row_gets_the_reference_findings() -> None:
    """Every odd value of every column, on a row the screen sees (not the first one)."""
    for column, value in ODD_CELLS:
        row = valid_row(2)
        row[column] = value
        check_same([valid_row(1), row, valid_row(3)])
        check_same([valid_row(1), valid_row(4), row, valid_row(3)], batch=2)


def test_stop_and_unreadable_line_inside_a_batch() -> None:
    """Reading stops at the ceiling in the middle of a batch; a short row counts as blocking."""
    bad = valid_row(5, **{"CIVILITE": "DR"})
    short = valid_row(6)[:10]
    for limits in (Limits(max_blocking=1), Limits(per_kind=1, max_blocking=2), None):
        check_same([valid_row(1), valid_row(2), bad, valid_row(3), short, valid_row(4)], 3, limits)
        check_same([valid_row(1), bad, short, bad, valid_row(3)], 2000, limits)
    # A line longer than the reader accepts refuses the file where it is, unless reading stopped.
    huge = valid_row(7, **{"ENSEIGNE": "X" * 70_000})
    for batch, limits in ((3, None), (2000, None), (2000, Limits(max_blocking=1)), (1, Limits())):
        check_same(
            [valid_row(1), valid_row(2), bad, valid_row(3), huge, valid_row(4)], batch, limits
        )
        check_same([valid_row(1), huge], batch, limits)
