"""The one CSV writer (review issue 12.7, issue 19.3): formula-leading cells neutralised, plain
signed numbers kept, idempotent; blocks produced lazily, so a download streams."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from scrutin.platform.csvexport import (
    FORMULA_LEAD,
    ROWS_PER_BLOCK,
    csv_blocks,
    csv_text,
    safe_cell,
)


def test_review_12_7_formula_leading_cells_are_text() -> None:
    for lead in FORMULA_LEAD:
        assert safe_cell(lead + "HYPERLINK(1)") == "'" + lead + "HYPERLINK(1)"
    assert safe_cell("+33612345678") == "+33612345678"
    assert safe_cell("-12,5") == "-12,5"
    assert safe_cell("-1+2") == "'-1+2"
    assert safe_cell(-3) == -3
    assert safe_cell("Dupont") == "Dupont"


@given(st.text(max_size=30))
def test_review_12_7_no_cell_reads_as_a_formula_and_neutralising_is_idempotent(text: str) -> None:
    cell = safe_cell(text)
    assert isinstance(cell, str)
    assert safe_cell(cell) == cell
    assert cell in (text, "'" + text)
    assert (
        not cell.startswith(FORMULA_LEAD)
        or cell.lstrip("+-").replace(",", "").replace(".", "").isdigit()
    )


def test_review_19_3_blocks_are_produced_lazily() -> None:
    produced = 0

    def endless() -> Iterator[list[object]]:
        nonlocal produced
        for n in itertools.count():
            produced += 1
            yield [n, "=x"]

    blocks = csv_blocks(["n", "texte"], endless())
    first = next(blocks)
    assert produced == ROWS_PER_BLOCK  # one block read, not the (endless) whole
    rows = list(csv.reader(io.StringIO(first.decode("utf-8")[1:]), delimiter=";"))
    assert rows[0] == ["n", "texte"] and rows[1] == ["0", "'=x"]


def test_review_19_3_blocks_join_to_the_whole_text() -> None:
    rows = [[n, f"ligne {n}"] for n in range(2 * ROWS_PER_BLOCK + 7)]
    assert b"".join(csv_blocks(["n", "texte"], rows)).decode("utf-8") == csv_text(
        ["n", "texte"], rows
    )
