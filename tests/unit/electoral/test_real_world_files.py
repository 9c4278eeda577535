"""Real-world CSV files (issue 2): encodings, separators, quoting, blank lines, broken files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from scrutin.platform.electoral.annex7.electors import COLUMNS, read_electors

from .helpers import STRUCTURE, valid_row, write


def read(path: Path):  # type: ignore[no-untyped-def]
    stored: list[list[str | None]] = []
    report, _ = read_electors(path, STRUCTURE, stored.append)
    return report, stored


def as_bytes(
    rows: list[list[str]], *, delimiter: str = ";", quoting: int = csv.QUOTE_MINIMAL
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=quoting)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_encodings_and_separators_keep_accents(
    tmp_path: Path, encoding: str, delimiter: str
) -> None:
    rows = [
        valid_row(
            1,
            **{"NOM D'USAGE": "LEFÈVRE", "PRENOM": "Hélène", "RAISON SOCIALE": "SARL L'ÉTÉ, FILS"},
        )
    ]
    path = write(tmp_path, rows, delimiter=delimiter, encoding=encoding)
    report, stored = read(path)
    assert report.accepted and report.issues == []
    assert stored[0][5 + COLUMNS.index("PRENOM")] == "Hélène"
    assert stored[0][5 + COLUMNS.index("RAISON SOCIALE")] == "SARL L'ÉTÉ, FILS"


def test_quoted_fields_with_separators_and_line_breaks_and_trailing_blank_lines(
    tmp_path: Path,
) -> None:
    rows = [valid_row(1, **{"ADRACH VOIE": '12; RUE "HAUTE"'}), valid_row(2, ENSEIGNE="A\nB")]
    text = as_bytes(rows, quoting=csv.QUOTE_ALL) + "\r\n\r\n;;;\r\n"
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    report, stored = read(path)
    assert report.accepted and report.rows == 2
    assert stored[0][5 + COLUMNS.index("ADRACH VOIE")] == '12; RUE "HAUTE"'
    # the second row starts on line 3 even though the first row spans one line
    assert stored[1][4] == "3"


def test_row_numbers_count_physical_lines_after_multiline_fields(tmp_path: Path) -> None:
    rows = [valid_row(1, ENSEIGNE="A\nB"), valid_row(2, CIVILITE="X")]
    path = tmp_path / "f.csv"
    path.write_text(as_bytes(rows), encoding="utf-8", newline="")
    report, _ = read(path)
    assert [(i.line, i.column) for i in report.issues] == [(4, "CIVILITE")]


def test_header_names_are_matched_whatever_the_case_accents_and_order(tmp_path: Path) -> None:
    header = [c.lower().replace("E", "É") for c in COLUMNS]
    header[0], header[1] = header[1], header[0]
    row = valid_row(1)
    row[0], row[1] = row[1], row[0]
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([header, row])
    report, stored = read(path)
    assert report.accepted and stored[0][0] == "0110000000001"


def test_missing_column_gets_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow([c for c in COLUMNS if c != "EMAIL"])
        writer.writerow(valid_row(1)[:-1])
    report, stored = read(path)
    assert len(report.issues) == 1 and not report.accepted and stored == []
    assert "« EMAIL »" in report.issues[0].message and report.issues[0].line == 1


def test_headerless_file_is_read_in_annex_order_with_a_warning(tmp_path: Path) -> None:
    report, stored = read(write(tmp_path, [valid_row(1)], header=False))
    assert report.accepted and len(stored) == 1
    assert not report.issues[0].blocking and "en-tête" in report.issues[0].message


def test_short_row_is_blocking_with_its_line(tmp_path: Path) -> None:
    report, _ = read(write(tmp_path, [valid_row(1), valid_row(2)[:10]]))
    assert [(i.line, i.blocking) for i in report.issues] == [(3, True)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "vide"),
        ("CODE CCI;X\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00rest of a zip", "Excel"),
        (b"%PDF-1.7\n", "PDF"),
        (b"\x00\x01\x02binary", "octets nuls"),
        (b"CODE CCI;NOM\n\x81\x8d\x90;x\n\xff\xfe", "Encodage du fichier inconnu"),
        (b"just some words without separators\n", "Séparateur introuvable"),
    ],
)
def test_broken_files_get_one_clear_error_not_a_traceback(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    report, stored = read(path)
    assert not report.accepted and stored == []
    assert len(report.issues) == 1 and expected in report.issues[0].message
