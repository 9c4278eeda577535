"""Properties of the candidatures CSV parser (docs/fr/candidatures.md): whatever the content it
never crashes, every row is either imported or carries a blocking error on its own line, valid
rows come back unchanged, column order does not matter, and a groupement never exceeds the
seats of its ballot (CCTP 4.1.3)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.platform.candidates.csvimport import (
    COLUMNS,
    UrnInfo,
    parse_candidacy,
    parse_civility,
    parse_date,
    parse_rows,
)
from scrutin.platform.electoral.annex7.csvfile import match_header
from tests.strategies.electoral import field_text

TODAY = date(2026, 6, 1)
URNS = {
    "011-C": UrnInfo("011-C", "011", {"CCIR": 2, "CCIT": 4}),
    "011-I": UrnInfo("011-I", "011", {"CCIR": 1, "CCIT": 3}),
    "974-C": UrnInfo("974-C", "974", {"CCIR": 0, "CCIT": 5}),
}
IDENTITY = tuple(range(len(COLUMNS)))

names = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçëï' -ABCDEFGHIJ", min_size=1, max_size=30)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
births = st.dates(min_value=date(1930, 1, 1), max_value=date(2005, 12, 31))


@st.composite
def valid_row(draw: st.DrawFn) -> list[str]:
    urn = draw(st.sampled_from(["011-C", "011-I"]))
    kind = draw(st.sampled_from(["CCIR+CCIT", "CCIT"]))
    civility = draw(st.sampled_from(["M.", "Mme"]))
    birth = draw(births)
    fmt = draw(st.sampled_from(["%d/%m/%Y", "%d%m%Y", "%Y-%m-%d"]))
    row = [urn, kind, "", civility, draw(names), draw(names), birth.strftime(fmt),
           draw(field_text), draw(field_text), draw(field_text)]  # fmt: skip
    if kind == "CCIR+CCIT":
        other = "Mme" if civility == "M." else "M."
        row += [other, draw(names), draw(names), draw(births).strftime("%d/%m/%Y")]
    else:
        row += ["", "", "", ""]
    return row


def _unique(rows: list[list[str]]) -> list[list[str]]:
    """Give each row a distinct first name so that no person appears twice on a ballot."""
    return [[*r[:5], f"{r[5]} {i}", *r[6:]] for i, r in enumerate(rows)]


@settings(max_examples=150, deadline=None)
@given(st.lists(valid_row(), min_size=1, max_size=25))
def test_valid_rows_are_all_imported_unchanged(rows: list[list[str]]) -> None:
    rows = _unique(rows)
    lines, report = parse_rows(enumerate(rows, start=2), IDENTITY, URNS, today=TODAY)
    assert report.blocking == 0, report.issues
    assert len(lines) == len(rows) == report.rows
    for line, row in zip(lines, rows, strict=True):
        assert (
            line.urn == row[0]
            and line.last_name == row[4].strip()
            and line.first_name == row[5].strip()
        )
        assert line.kind == ("CCIR" if row[1] == "CCIR+CCIT" else "CCIT")
        assert line.birth_date == parse_date(row[6], TODAY)
        assert (line.substitute_last_name != "") == (line.kind == "CCIR")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(field_text, min_size=0, max_size=len(COLUMNS) + 2), max_size=20))
def test_any_content_never_crashes_and_each_row_is_accounted_for(rows: list[list[str]]) -> None:
    numbered = list(enumerate(rows, start=2))
    lines, report = parse_rows(numbered, IDENTITY, URNS, today=TODAY)
    imported = {line.line for line in lines}
    blocked = {i.line for i in report.issues if i.blocking}
    assert report.rows == len(rows)
    assert imported.isdisjoint(blocked)
    assert imported | blocked == {n for n, _ in numbered}
    assert all(2 <= i.line <= len(rows) + 1 for i in report.issues)


@settings(max_examples=150, deadline=None)
@given(st.lists(valid_row(), min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_column_order_does_not_matter(rows: list[list[str]], rnd: object) -> None:
    rows = _unique(rows)
    order = list(range(len(COLUMNS)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    header = [COLUMNS[i] for i in order]
    shuffled = [[row[i] for i in order] for row in rows]
    layout = match_header(header, COLUMNS, looks_like_data=False)
    a, ra = parse_rows(enumerate(rows, start=2), IDENTITY, URNS, today=TODAY)
    b, rb = parse_rows(enumerate(shuffled, start=2), layout.positions, URNS, today=TODAY)
    assert a == b and ra.issues == rb.issues


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=4),
       st.sampled_from(["011-C", "011-I"]), st.sampled_from(["CCIR+CCIT", "CCIT"]))  # fmt: skip
def test_cctp_4_1_3_groupement_never_exceeds_seats(
    n: int, existing: int, urn: str, kind: str
) -> None:
    k = "CCIR" if kind == "CCIR+CCIT" else "CCIT"
    seats = URNS[urn].seats[k]
    existing = min(existing, seats)
    info = {
        urn: UrnInfo(urn, "011", URNS[urn].seats, groupement_sizes={(k, "agir ensemble"): existing})
    }
    sub = ["Mme", "Roux", "Léa", "01/01/1980"] if k == "CCIR" else ["", "", "", ""]
    rows = [[urn, kind, "Agir  Ensemble" if i % 2 else "agir ensemble", "M.", f"Nom{i}", "Jean",
             "01/01/1970", "", "", "", *sub] for i in range(n)]  # fmt: skip
    lines, report = parse_rows(enumerate(rows, start=2), IDENTITY, info, today=TODAY)
    accepted = min(n, seats - existing)
    assert len(lines) == accepted
    assert report.blocking == n - accepted
    assert all(i.column == "GROUPEMENT" for i in report.issues if i.blocking)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 5, 31)))
def test_date_formats_agree(value: date) -> None:
    for fmt in ("%d/%m/%Y", "%d%m%Y", "%Y-%m-%d"):
        assert parse_date(value.strftime(fmt), TODAY) == value


@given(st.dates(min_value=date(2026, 6, 1)))
def test_future_birth_dates_refused(value: date) -> None:
    assert parse_date(value.strftime("%d/%m/%Y"), TODAY) is None


def test_accepted_spellings() -> None:
    assert [parse_civility(v) for v in ("M.", "m", "Monsieur", "MME", "Madame", "Mlle")] == [
        "M.", "M.", "M.", "Mme", "Mme", None]  # fmt: skip
    assert [parse_candidacy(v) for v in ("CCIR+CCIT", "ccir et ccit", "CCIT", "CCIT seulement", "X")] == [
        "CCIR", "CCIR", "CCIT", "CCIT", None]  # fmt: skip


def test_a_file_concerns_one_cci() -> None:
    row_011 = ["011-C", "CCIT", "", "M.", "A", "B", "01/01/1970", "", "", "", "", "", "", ""]
    row_974 = ["974-C", "CCIT", "", "M.", "C", "D", "01/01/1970", "", "", "", "", "", "", ""]
    lines, report = parse_rows(enumerate([row_011, row_974], start=2), IDENTITY, URNS, today=TODAY)
    assert len(lines) == 1 and report.issues[0].line == 3 and "CCI 011" in report.issues[0].message
