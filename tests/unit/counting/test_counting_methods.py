"""Allocation methods, thresholds, bonus rounding and every tie rule."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from scrutin.core.counting import count_json
from scrutin.core.counting.lists import bonus_seats
from scrutin.core.counting.methods import allocate
from scrutin.core.counting.rules import Bonus, Method, Rounding, TieRule
from scrutin.core.counting.ties import Contender, break_tie


def test_highest_average_textbook_dhondt() -> None:
    result = allocate({"A": 100_000, "B": 80_000, "C": 30_000, "D": 20_000}, 8)
    assert dict(result.seats) == {"A": 4, "B": 3, "C": 1, "D": 0}


def test_largest_remainder_hare_quota() -> None:
    result = allocate(
        {"A": 47_000, "B": 16_000, "C": 15_800, "D": 12_000, "E": 6_100, "F": 3_100},
        10,
        Method.LARGEST_REMAINDER,
    )
    assert result.quotient == Fraction(100_000, 10)
    assert dict(result.seats) == {"A": 5, "B": 2, "C": 1, "D": 1, "E": 1, "F": 0}


def test_sainte_lague_divisors_one_three_five() -> None:
    result = allocate({"A": 53_000, "B": 24_000, "C": 23_000}, 7, Method.SAINTE_LAGUE)
    assert dict(result.seats) == {"A": 3, "B": 2, "C": 2}


def test_l262_bonus_rounding_up_above_four_down_below_four() -> None:
    half = Bonus(Fraction(1, 2), Rounding.L262)
    assert [bonus_seats(half, n) for n in (1, 2, 3, 4, 5, 7, 19, 69)] == [0, 1, 1, 2, 3, 4, 10, 35]


def test_l338_quarter_bonus_rounded_up() -> None:
    quarter = Bonus(Fraction(1, 4), Rounding.UP)
    assert bonus_seats(quarter, 125) == 32
    assert bonus_seats(quarter, 209) == 53
    assert bonus_seats(quarter, 100) == 25


def _municipal(lists: list[dict[str, Any]], seats: int, **extra: Any) -> dict[str, Any]:
    total = sum(lst["votes"] for lst in lists) + extra.get("other_votes", 0)
    return {
        "preset": "municipal",
        "seats": seats,
        "registered": total * 2,
        "voters": total,
        "lists": lists,
        **extra,
    }


def _people(prefix: str, births: list[str]) -> list[dict[str, str]]:
    return [{"name": f"{prefix}{i + 1}", "birth_date": b} for i, b in enumerate(births)]


def test_l262_threshold_five_percent_of_votes_cast_excludes_small_lists() -> None:
    result = count_json(
        _municipal(
            [{"name": "A", "votes": 600}, {"name": "B", "votes": 351}, {"name": "C", "votes": 49}],
            11,
        )
    )
    assert [lst["eligible"] for lst in result["lists"]] == [True, True, False]
    assert result["seats"]["C"] == 0
    assert sum(result["seats"].values()) == 11


def test_l262_threshold_exactly_five_percent_is_admitted() -> None:
    result = count_json(
        _municipal(
            [{"name": "A", "votes": 600}, {"name": "B", "votes": 350}, {"name": "C", "votes": 50}],
            11,
        )
    )
    assert result["lists"][2]["eligible"] is True


def test_l262_round_one_without_absolute_majority_needs_round_two_with_10_percent() -> None:
    result = count_json(
        _municipal(
            [
                {"name": "A", "votes": 450},
                {"name": "B", "votes": 400},
                {"name": "C", "votes": 100},
                {"name": "D", "votes": 50},
            ],
            15,
        )
    )
    assert result["next_round"] == 2
    assert result["qualified"] == ["A", "B", "C"]
    assert result["elected"] == []
    assert "seats" not in result


def test_l262_round_two_bonus_to_most_votes_and_elected_in_order() -> None:
    lists = [
        {"name": "A", "votes": 450, "candidates": _people("a", ["1960-01-01"] * 7)},
        {"name": "B", "votes": 400, "candidates": _people("b", ["1960-01-01"] * 7)},
    ]
    result = count_json({**_municipal(lists, 7), "round": 2})
    assert result["bonus"]["seats"] == 4
    assert result["seats"] == {"A": 6, "B": 1}
    assert result["elected"] == ["a1", "a2", "a3", "a4", "a5", "b1", "a6"]


def test_l262_bonus_tie_goes_to_highest_average_age() -> None:
    lists = [
        {
            "name": "Young",
            "votes": 400,
            "candidates": _people("y", ["1990-01-01", "1992-01-01", "1994-01-01"]),
        },
        {
            "name": "Old",
            "votes": 400,
            "candidates": _people("o", ["1950-01-01", "1995-01-01", "1996-01-01"]),
        },
    ]
    result = count_json({**_municipal(lists, 3), "round": 2})
    assert result["bonus"]["list"] == "Old"
    assert result["bonus"]["decided_by"] == ["highest-average-age"]


def test_l262_bonus_tie_unresolved_is_undecided() -> None:
    lists = [{"name": "X", "votes": 400}, {"name": "Y", "votes": 400}]
    result = count_json({**_municipal(lists, 5), "round": 2})
    assert result["bonus"]["list"] is None
    assert result["undecided"][0] == {
        "seats": 3,
        "between": ["X", "Y"],
        "reason": "égalité pour la prime majoritaire non départagée",
    }


def test_l262_tie_at_highest_average_goes_to_list_with_more_votes() -> None:
    # Seat-by-seat, B's average 600 / 2 = 300 equals C's 300 / 1 for the last seat.
    result = count_json(
        {**_municipal([{"name": "B", "votes": 600}, {"name": "C", "votes": 300}], 5), "round": 1}
    )
    # Bonus 3 to B; 2 seats: B 600, then B 300 vs C 300 tied: B has more votes.
    step = result["allocation"]["steps"][-1]
    assert step["tied"] == ["B", "C"]
    assert step["decided_by"] == ["most-votes"]
    assert result["seats"] == {"B": 5, "C": 0}


def test_l262_tie_at_highest_average_and_votes_goes_to_oldest_candidate_to_be_elected() -> None:
    lists = [
        {"name": "P", "votes": 300, "candidates": _people("p", ["1980-01-01", "1981-01-01"])},
        {"name": "Q", "votes": 300, "candidates": _people("q", ["1990-01-01", "1950-01-01"])},
    ]
    # European-style: no bonus, 3 seats; P and Q get one each, then tie for the last seat:
    # the candidates who would be elected are p2 (1981) and q2 (1950): Q wins.
    result = count_json(
        {"preset": "european", "seats": 3, "registered": 600, "voters": 600, "lists": lists}
    )
    assert result["seats"] == {"P": 1, "Q": 2}
    assert result["allocation"]["steps"][-1]["decided_by"] == ["most-votes", "oldest"]


def test_tie_at_highest_average_with_no_birth_dates_is_undecided() -> None:
    result = count_json(
        {
            "preset": "european",
            "seats": 1,
            "registered": 600,
            "voters": 600,
            "lists": [{"name": "P", "votes": 300}, {"name": "Q", "votes": 300}],
        }
    )
    assert result["seats"] == {"P": 0, "Q": 0}
    assert result["undecided"][0]["seats"] == 1


def test_senatorial_proportional_has_no_statutory_tie_rule() -> None:
    lists = [
        {"name": "P", "votes": 30, "candidates": _people("p", ["1950-01-01"] * 3)},
        {"name": "Q", "votes": 30, "candidates": _people("q", ["1960-01-01"] * 3)},
    ]
    result = count_json(
        {
            "preset": "senatorial-proportional",
            "seats": 3,
            "registered": 70,
            "voters": 62,
            "blank": 1,
            "null": 1,
            "lists": lists,
        }
    )
    assert result["seats"] == {"P": 1, "Q": 1}
    assert result["undecided"][0]["between"] == ["P", "Q"]


def test_break_tie_applies_rules_in_declared_order() -> None:
    contenders = [
        Contender("a", 10, date(1970, 1, 1)),
        Contender("b", 12, date(1990, 1, 1)),
        Contender("c", 10, date(1960, 1, 1)),
    ]
    by_votes = break_tie(contenders, 1, (TieRule.MOST_VOTES, TieRule.OLDEST))
    assert by_votes.chosen == ("b",)
    by_age = break_tie(contenders, 1, (TieRule.OLDEST,))
    assert by_age.chosen == ("c",)
    two = break_tie(contenders, 2, (TieRule.MOST_VOTES, TieRule.OLDEST))
    assert two.chosen == ("b", "c")
    none = break_tie(contenders, 1, ())
    assert none.chosen == ()
    assert none.undecided_seats == 1
    assert none.undecided == ("a", "b", "c")


def test_largest_remainder_tie_for_last_seat_by_most_votes() -> None:
    # Quota 10; remainders A 5, B 5: A has more votes.
    result = allocate({"A": 15, "B": 5}, 2, Method.LARGEST_REMAINDER)
    assert dict(result.seats) == {"A": 2, "B": 0}
    assert result.steps[-1].decided_by == (TieRule.MOST_VOTES,)


def test_explicit_rules_largest_remainder_with_registered_threshold() -> None:
    result = count_json(
        {
            "rules": {
                "kind": "list",
                "method": "largest-remainder",
                "threshold": {"fraction": "10%", "base": "registered"},
                "ties": ["most-votes"],
            },
            "seats": 4,
            "registered": 1_000,
            "voters": 500,
            "lists": [
                {"name": "A", "votes": 250},
                {"name": "B", "votes": 150},
                {"name": "C", "votes": 100},
            ],
        }
    )
    assert result["seats"] == {"A": 2, "B": 1, "C": 1}
    assert result["allocation"]["method"] == "largest-remainder"
