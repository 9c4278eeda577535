"""Properties of the annex-7 readers (issue 2): whatever the content, no valid data is lost,
every over-long optional value is truncated to its width with a warning, and the e-mail rule
equals a second, independent reading of the annex's sentence."""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.platform.electoral.annex7.electors import COLUMNS, WIDTHS, read_electors
from scrutin.platform.electoral.annex7.emails import email_problem
from tests.strategies.electoral import email_like, field_text
from tests.unit.electoral.helpers import STRUCTURE, valid_row

FREE_COLUMNS = ["CLE INTERNE CCI", "PRENOM", "RAISON SOCIALE", "ENSEIGNE", "ADRACH VOIE", "ADRJUR COMPLEMENT1",
                "ADRACH LIEU DIT", "NAF", "CODE GREFFE", "TYPE ELECTEUR", "NOM DE FAMILLE"]  # fmt: skip


def annex_email_rule(value: str) -> bool:
    """A second reading of annex 7.1.3 col. 36, written without regular expressions on purpose."""
    if not 5 <= len(value) <= 255 or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    first_ok = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
    rest_ok = first_ok | set(".+-")

    def part_ok(part: str) -> bool:
        return bool(part) and part[0] in first_ok and all(c in rest_ok for c in part[1:])

    if not part_ok(local):
        return False
    # "a@a.a": some dot of the domain splits it into two valid parts
    return any(
        domain[i] == "." and part_ok(domain[:i]) and part_ok(domain[i + 1 :])
        for i in range(len(domain))
    )


@given(
    st.one_of(
        email_like,
        st.from_regex(
            re.compile(r"[a-z_][a-z.+-]{0,5}@[a-z_][a-z.-]{0,5}\.[a-z]{1,3}"), fullmatch=True
        ),
    )
)
@settings(max_examples=400)
def test_email_rule_matches_an_independent_reading_of_the_annex(value: str) -> None:
    assert (email_problem(value) is None) == annex_email_rule(value)


@given(st.fixed_dictionaries(dict.fromkeys(FREE_COLUMNS, field_text)), st.sampled_from([";", ",", "\t"]),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))  # fmt: skip
@settings(max_examples=60, deadline=None)
def test_free_text_columns_survive_any_content_truncated_to_their_width(
    values: dict[str, str], delimiter: str, encoding: str
) -> None:
    values = {k: v.encode(encoding, "ignore").decode(encoding).strip() for k, v in values.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        with path.open("w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            writer.writerow(valid_row(1, **values))
        stored: list[list[str | None]] = []
        report, _ = read_electors(path, STRUCTURE, stored.append)
    assert report.accepted and len(stored) == 1
    for column, value in values.items():
        width = WIDTHS[COLUMNS.index(column)]
        assert stored[0][5 + COLUMNS.index(column)] == value[:width]
        warned = any(i.column == column and not i.blocking for i in report.issues)
        assert warned == (len(value) > width)


@given(st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=25))
@settings(max_examples=50, deadline=None)
def test_every_duplicate_number_is_reported_and_nothing_else(numbers: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(COLUMNS)
            writer.writerows(valid_row(n) for n in numbers)
        report, _ = read_electors(path, STRUCTURE)
    duplicate_lines = {i + 2 for i, n in enumerate(numbers) if n in numbers[:i]}
    assert {i.line for i in report.issues if i.blocking} == duplicate_lines
    assert report.accepted == (not duplicate_lines)


@given(
    st.integers(min_value=100_000_000, max_value=999_999_999), st.sampled_from(["0", "+33", "0033"])
)
@settings(max_examples=500)
def test_french_block_shortcut_agrees_with_libphonenumber(national: int, prefix: str) -> None:
    """Metropolitan numbers are classified once per ZABPQ block; libphonenumber must agree."""
    from scrutin.platform.electoral.annex7 import phones

    value = f"{prefix}{national}"
    assert phones.normalise_mobile(value, "011") == phones._classify(phones._parse(value, "FR"))


@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
@settings(max_examples=500)
def test_french_block_classification_equals_parse_then_classify(block: str) -> None:
    """The block classification without ``parse`` (issue 15) equals the one through it."""
    from scrutin.platform.electoral.annex7 import phones

    _e164, problem = phones._french_block(block)
    assert problem == phones._classify(phones._parse("0" + block + "0000", "FR"))[1]
