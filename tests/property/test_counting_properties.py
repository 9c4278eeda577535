"""Properties of the counting library: seats sum, monotonicity, thresholds, permutations."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scrutin.core.counting import Ballot, count
from scrutin.core.counting.majority import pick_most_voted
from scrutin.core.counting.methods import allocate, divisor_sequence
from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.result import Split
from scrutin.core.counting.rules import Method, TieRule
from tests.strategies.counting import candidates, party_lists, regional_lists, vote_tables

SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
methods = st.sampled_from(list(Method))


@SETTINGS
@given(vote_tables(), st.integers(min_value=0, max_value=60), methods)
def test_property_seats_plus_undecided_sum_to_total(
    votes: dict[str, int], seats: int, method: Method
) -> None:
    assume(sum(votes.values()) > 0)
    result = allocate(votes, seats, method)
    assert sum(result.seats.values()) + sum(u.seats for u in result.undecided) == seats
    assert all(v >= 0 for v in result.seats.values())


@SETTINGS
@given(vote_tables(min_lists=2), st.integers(min_value=1, max_value=60))
def test_property_quotient_then_highest_average_is_dhondt(
    votes: dict[str, int], seats: int
) -> None:
    result = allocate(votes, seats, Method.HIGHEST_AVERAGE, ties=())
    assume(not result.undecided and all(not s.tied for s in result.steps))
    assume(sum(votes.values()) > 0)
    reference = divisor_sequence(votes, seats, Method.HIGHEST_AVERAGE)
    assert dict(result.seats) == reference


@SETTINGS
@given(
    vote_tables(min_lists=2),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=50_000),
    st.sampled_from([Method.HIGHEST_AVERAGE, Method.SAINTE_LAGUE]),
)
def test_property_more_votes_never_fewer_seats(
    votes: dict[str, int], seats: int, extra: int, method: Method
) -> None:
    name = sorted(votes)[0]
    before = allocate(votes, seats, method, ties=())
    after = allocate({**votes, name: votes[name] + extra}, seats, method, ties=())
    assume(not before.undecided and not after.undecided)
    assert after.seats[name] >= before.seats[name]


@SETTINGS
@given(vote_tables(min_lists=2), st.integers(min_value=1, max_value=40), methods, st.randoms())
def test_property_order_of_lists_does_not_matter(
    votes: dict[str, int], seats: int, method: Method, rnd: object
) -> None:
    items = list(votes.items())
    shuffled = items[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = allocate(dict(items), seats, method, (TieRule.MOST_VOTES,))
    second = allocate(dict(shuffled), seats, method, (TieRule.MOST_VOTES,))
    assert dict(first.seats) == dict(second.seats)
    assert first.undecided == second.undecided


@SETTINGS
@given(
    party_lists(),
    st.integers(min_value=1, max_value=40),
    st.sampled_from(["european", "municipal", "regional"]),
)
def test_property_lists_below_threshold_get_no_seat_and_seats_sum(
    lists: tuple, seats: int, preset: str
) -> None:
    total = sum(lst.votes for lst in lists)
    assume(total > 0)
    rules = PRESETS[preset].rules
    if rules.sections:
        rules = PRESETS["municipal"].rules
    ballot = Ballot(
        rules=rules,
        preset=preset,
        round=2,
        seats=seats,
        registered=total,
        voters=total,
        lists=lists,
    )
    result = count(ballot)
    assert result.seats is not None
    for lst in lists:
        if Fraction(lst.votes, total) < Fraction(5, 100):
            assert result.seats[lst.name] == 0 or (
                result.bonus is not None and result.bonus.list == lst.name
            )
    assert sum(result.seats.values()) + sum(u.seats for u in result.undecided) == seats


@SETTINGS
@given(party_lists(max_seats=30), st.integers(min_value=1, max_value=30))
def test_property_municipal_bonus_list_keeps_at_least_its_bonus(lists: tuple, seats: int) -> None:
    total = sum(lst.votes for lst in lists)
    assume(total > 0)
    ballot = Ballot(
        rules=PRESETS["municipal"].rules,
        round=2,
        seats=seats,
        registered=total,
        voters=total,
        lists=lists,
    )
    result = count(ballot)
    assert result.bonus is not None and result.seats is not None
    if result.bonus.list is not None:
        assert result.seats[result.bonus.list] >= result.bonus.seats
        assert len(result.elected) == seats - sum(u.seats for u in result.undecided)


@SETTINGS
@given(candidates(), st.integers(min_value=0, max_value=6))
def test_property_most_voted_pick_never_skips_a_better_candidate(cands: tuple, seats: int) -> None:
    chosen, gap = pick_most_voted(cands, seats, (TieRule.OLDEST,), "tie")
    by_name = {c.name: c for c in cands}
    assert len(chosen) + (gap.seats if gap else 0) <= seats
    if chosen:
        weakest = min(by_name[n].votes for n in chosen)
        losers = [
            c for c in cands if c.name not in chosen and (gap is None or c.name not in gap.between)
        ]
        assert all(c.votes <= weakest for c in losers)


def _regional(lists: tuple, seats: int) -> Ballot:
    total = sum(lst.votes for lst in lists)
    return Ballot(rules=PRESETS["regional"].rules, preset="regional", round=2, seats=seats,
                  registered=total, voters=total, lists=lists)  # fmt: skip


def _list_level(result: object) -> tuple:
    return (result.seats, result.bonus, result.allocation, [c.seats for c in result.choices])  # type: ignore[attr-defined]


@SETTINGS
@given(regional_lists(), st.integers(min_value=1, max_value=60), st.data())
def test_property_issue_19_regional_totals_alone_give_the_list_level_allocation(
    lists: tuple, seats: int, data: st.DataObject
) -> None:
    """L338 needs only the region's totals; L338-1 then splits each list's seats among its
    sections without changing them. With totals only, or with sections for some lists only,
    the list-level allocation is the same and the result says how far the split went."""
    assume(sum(lst.votes for lst in lists) > 0)
    full = count(_regional(lists, seats))
    totals = count(_regional(tuple(replace(lst, sections={}) for lst in lists), seats))
    assert _list_level(totals) == _list_level(full)
    assert totals.departmental_split is Split.NONE and totals.section_seats is None
    assert any("niveau régional seulement" in n for n in totals.notes)
    assert full.seats is not None and full.section_seats is not None
    assert full.departmental_split is Split.ALL
    for lst in lists:
        split = sum(full.section_seats[lst.name].values())
        gaps = sum(u.seats for u in full.undecided if u.between[:1] and
                   u.between[0].startswith(f"{lst.name} / "))  # fmt: skip
        assert split + gaps == full.seats[lst.name]
    kept = data.draw(st.sets(st.sampled_from([lst.name for lst in lists])), label="with sections")
    assume(kept)
    partial = count(_regional(tuple(lst if lst.name in kept else replace(lst, sections={})
                                    for lst in lists), seats))  # fmt: skip
    assert _list_level(partial) == _list_level(full)
    assert set(partial.section_seats or {}) == kept
    unsplit = {n for n in full.seats if n not in kept and full.seats[n] > 0}
    assert partial.departmental_split is (Split.PARTIAL if unsplit else Split.ALL)
    for name in unsplit:
        assert any(f"« {name} » n'a pas de voix par section" in n for n in partial.notes)
