"""Majority elections: legislative, departmental, senatorial, municipal majority, mayor."""

from __future__ import annotations

from typing import Any

import pytest

from scrutin.core.counting import CountingInputError, count_json


def _ballot(preset: str, votes: dict[str, int], **extra: Any) -> dict[str, Any]:
    total = sum(votes.values())
    base: dict[str, Any] = {
        "preset": preset,
        "registered": extra.pop("registered", total * 2),
        "voters": total,
        "candidates": [{"name": n, "votes": v} for n, v in votes.items()],
    }
    base.update(extra)
    return base


def test_l126_first_round_needs_absolute_majority_and_quarter_of_registered() -> None:
    elected = count_json(_ballot("legislative", {"A": 30_000, "B": 20_000}, registered=100_000))
    assert elected["elected"] == ["A"]
    assert elected["next_round"] is None
    # Absolute majority but fewer than a quarter of the registered electors: round 2.
    low = count_json(_ballot("legislative", {"A": 24_000, "B": 16_000}, registered=100_000))
    assert low["elected"] == []
    assert low["next_round"] == 2


def test_l162_round_two_qualification_at_12_5_percent_of_registered() -> None:
    result = count_json(
        _ballot(
            "legislative",
            {"A": 14_000, "B": 12_500, "C": 12_499, "D": 11_000},
            registered=100_000,
        )
    )
    assert result["qualified"] == ["A", "B"]
    assert [c["qualified"] for c in result["candidates"]] == [True, True, False, False]


def test_l162_fewer_than_two_qualified_the_two_leading_candidates_stand() -> None:
    result = count_json(
        _ballot("legislative", {"A": 14_000, "B": 9_000, "C": 8_000}, registered=200_000)
    )
    assert result["qualified"] == ["A", "B"]
    none = count_json(
        _ballot("legislative", {"A": 9_000, "B": 8_000, "C": 7_000}, registered=200_000)
    )
    assert none["qualified"] == ["A", "B"]


def test_l126_round_two_relative_majority_tie_goes_to_oldest() -> None:
    result = count_json(
        {
            "preset": "legislative",
            "round": 2,
            "registered": 1_000,
            "voters": 600,
            "candidates": [
                {"name": "Younger", "votes": 300, "birth_date": "1980-05-05"},
                {"name": "Older", "votes": 300, "birth_date": "1950-05-05"},
            ],
        }
    )
    assert result["elected"] == ["Older"]


def test_l193_departmental_binome_with_the_oldest_member_wins_a_tie() -> None:
    result = count_json(
        {
            "preset": "departmental",
            "round": 2,
            "registered": 1_000,
            "voters": 600,
            "candidates": [
                {
                    "name": "Binôme 1",
                    "votes": 300,
                    "members": [
                        {"name": "M1", "birth_date": "1970-01-01"},
                        {"name": "F1", "birth_date": "1960-01-01"},
                    ],
                },
                {
                    "name": "Binôme 2",
                    "votes": 300,
                    "members": [
                        {"name": "M2", "birth_date": "1955-01-01"},
                        {"name": "F2", "birth_date": "1990-01-01"},
                    ],
                },
            ],
        }
    )
    assert result["elected"] == ["Binôme 2"]


def test_cantonal_2003_preset_keeps_the_10_percent_threshold_of_the_seed() -> None:
    """Seed 004 (2003): 10 % of registered to stand in round 2; L210-1 now says 12.5 %."""
    votes = {"A": 24_000, "B": 13_000, "C": 11_000, "D": 2_000}
    current = count_json(_ballot("departmental", votes, registered=100_000))
    old = count_json(_ballot("cantonal-2003", votes, registered=100_000))
    assert current["qualified"] == ["A", "B"]
    assert old["qualified"] == ["A", "B", "C"]


def test_presidential_round_one_tie_for_second_place_is_undecided() -> None:
    result = count_json(_ballot("presidential", {"A": 40, "B": 30, "C": 30}))
    assert result["qualified"] == ["A"]
    assert result["undecided"][0]["between"] == ["B", "C"]


def test_presidential_round_two_exact_tie_is_undecided() -> None:
    result = count_json({**_ballot("presidential", {"A": 50, "B": 50}), "round": 2})
    assert result["elected"] == []
    assert result["undecided"][0]["seats"] == 1


def test_l253_municipal_majority_plurinominal_with_panachage() -> None:
    """Votes are counted per name; each ballot may name up to the number of seats."""
    result = count_json(
        {
            "preset": "municipal-majority",
            "seats": 3,
            "registered": 200,
            "voters": 150,
            "blank": 2,
            "null": 8,
            "candidates": [
                {"name": "A", "votes": 120},
                {"name": "B", "votes": 71},
                {"name": "C", "votes": 60},
                {"name": "D", "votes": 55},
            ],
        }
    )
    # Absolute majority of 140 votes cast is 71 and a quarter of registered is 50: A and B.
    assert result["elected"] == ["A", "B"]
    assert result["next_round"] == 2
    assert "qualified" not in result  # L253 sets no condition to stand in round 2
    second = count_json(
        {
            "preset": "municipal-majority",
            "round": 2,
            "seats": 1,
            "registered": 200,
            "voters": 100,
            "candidates": [
                {"name": "C", "votes": 50, "birth_date": "1970-01-01"},
                {"name": "D", "votes": 50, "birth_date": "1960-01-01"},
            ],
        }
    )
    assert second["elected"] == ["D"]


def test_l294_senatorial_majority_two_seats_second_round_relative() -> None:
    first = count_json(
        {
            "preset": "senatorial-majority",
            "seats": 2,
            "registered": 1_000,
            "voters": 980,
            "null": 10,
            "candidates": [
                {"name": "A", "votes": 600},
                {"name": "B", "votes": 480},
                {"name": "C", "votes": 470},
            ],
        }
    )
    assert first["elected"] == ["A"]
    assert first["next_round"] == 2


def test_l2122_7_mayor_absolute_majority_in_rounds_one_and_two_relative_in_three() -> None:
    council = {"registered": 29, "voters": 29, "blank": 1}
    votes = [
        {"name": "A", "votes": 14, "birth_date": "1975-01-01"},
        {"name": "B", "votes": 14, "birth_date": "1965-01-01"},
    ]
    for round_ in (1, 2):
        result = count_json({"preset": "mayor", "round": round_, **council, "candidates": votes})
        assert result["elected"] == []
        assert result["next_round"] == round_ + 1
    third = count_json({"preset": "mayor", "round": 3, **council, "candidates": votes})
    assert third["elected"] == ["B"]
    with pytest.raises(CountingInputError, match="au plus 3 tour"):
        count_json({"preset": "mayor", "round": 4, **council, "candidates": votes})


def test_l2122_7_mayor_elected_in_round_one_with_absolute_majority_of_votes_cast() -> None:
    result = count_json(
        {
            "preset": "mayor",
            "registered": 29,
            "voters": 29,
            "blank": 3,
            "candidates": [{"name": "A", "votes": 14}, {"name": "B", "votes": 12}],
        }
    )
    assert result["elected"] == ["A"]
