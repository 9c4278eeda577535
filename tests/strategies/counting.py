"""Hypothesis strategies for the counting library: vote tables, list ballots, candidates."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from scrutin.core.counting.model import (
    Candidate,
    CandidateName,
    ListName,
    PartyList,
    Person,
    SectionName,
)

names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6)
birth_dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2006, 12, 31))


@st.composite
def vote_tables(
    draw: st.DrawFn, min_lists: int = 1, max_lists: int = 8, max_votes: int = 100_000
) -> dict[str, int]:
    """Votes per list, distinct list names."""
    keys = draw(st.lists(names, min_size=min_lists, max_size=max_lists, unique=True))
    return {k: draw(st.integers(min_value=0, max_value=max_votes)) for k in keys}


@st.composite
def party_lists(draw: st.DrawFn, max_lists: int = 6, max_seats: int = 40) -> tuple[PartyList, ...]:
    """Lists with votes and enough candidates (with birth dates) for any seat count."""
    table = draw(vote_tables(min_lists=1, max_lists=max_lists))
    result = []
    for name, votes in table.items():
        people = tuple(
            Person(CandidateName(f"{name}-{i}"), draw(birth_dates)) for i in range(max_seats)
        )
        result.append(PartyList(ListName(name), votes, people))
    return tuple(result)


@st.composite
def candidates(draw: st.DrawFn, min_size: int = 1, max_size: int = 10) -> tuple[Candidate, ...]:
    keys = draw(st.lists(names, min_size=min_size, max_size=max_size, unique=True))
    return tuple(
        Candidate(
            CandidateName(k),
            draw(st.integers(min_value=0, max_value=5_000)),
            draw(st.one_of(st.none(), birth_dates)),
        )
        for k in keys
    )


@st.composite
def regional_lists(
    draw: st.DrawFn, max_lists: int = 6, max_sections: int = 5
) -> tuple[PartyList, ...]:
    """Lists of a regional election with their votes per departmental section (L338-1); each
    list's region-wide total is the sum of its sections."""
    table = draw(vote_tables(min_lists=1, max_lists=max_lists, max_votes=1))
    departments = [SectionName(f"D{i}") for i in range(1, draw(st.integers(1, max_sections)) + 1)]
    result = []
    for name in table:
        sections = {d: draw(st.integers(min_value=0, max_value=50_000)) for d in departments}
        result.append(PartyList(ListName(name), sum(sections.values()), sections=sections))
    return tuple(result)
