"""Small builders of annex-7 files for the tests."""

from __future__ import annotations

from pathlib import Path

from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.electors import COLUMNS, StructureIndex

AIN_URNS = {("C", ""): 1, ("I", ""): 2, ("S", "S1"): 3, ("S", "S2"): 4}
STRUCTURE = {
    "011": StructureIndex("011", AIN_URNS),
    "974": StructureIndex("974", {("C", ""): 5, ("I", ""): 6, ("S", ""): 7}),
}


def valid_row(number: int = 1, **overrides: str) -> list[str]:
    """A valid elector row of CCI 011, with columns overridden by annex name."""
    row = next(generate.elector_rows("011", [("C", "")], 1, start=number, seed=number))
    for name, value in overrides.items():
        row[COLUMNS.index(name)] = value
    return row


def write(tmp_path: Path, rows: list[list[str]], *, name: str = "electeurs.csv",
          delimiter: str = ";", encoding: str = "utf-8", header: bool = True) -> Path:  # fmt: skip
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as fh:
        import csv

        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        if header:
            writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path
