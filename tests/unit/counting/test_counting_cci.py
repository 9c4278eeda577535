"""CCI elections: CCTP 3.2.2, Code de commerce L713-16 and R713-27."""

from __future__ import annotations

from typing import Any

import pytest

from scrutin.core.counting import CountingInputError, count_json


def _territorial(candidates: list[dict[str, Any]], seats: int, **extra: Any) -> dict[str, Any]:
    return {
        "preset": "cci",
        "seats": seats,
        "registered": 1_000,
        "voters": 400,
        "blank": 10,
        "null": 5,
        "candidates": candidates,
        **extra,
    }


def test_cctp_3_2_2_most_votes_take_the_seats() -> None:
    result = count_json(
        _territorial(
            [
                {"name": "A", "votes": 300, "birth_date": "1970-01-01", "list": "G1"},
                {"name": "B", "votes": 200, "birth_date": "1970-01-01", "list": "G2"},
                {"name": "C", "votes": 250, "birth_date": "1970-01-01", "list": "G1"},
            ],
            seats=2,
        )
    )
    assert result["elected"] == ["A", "C"]
    assert result["seats"] == {"G1": 2, "G2": 0}
    assert result["undecided"] == []
    assert result["candidates"][0]["pct_votes_cast"] == "77.92"


def test_cctp_3_2_2_tie_goes_to_oldest() -> None:
    result = count_json(
        _territorial(
            [
                {"name": "A", "votes": 300, "birth_date": "1980-01-01"},
                {"name": "Young", "votes": 200, "birth_date": "1985-06-01"},
                {"name": "Old", "votes": 200, "birth_date": "1955-06-01"},
            ],
            seats=2,
        )
    )
    assert result["elected"] == ["A", "Old"]
    assert result["undecided"] == []


def test_cctp_3_2_2_tie_with_same_birth_date_is_reported_undecided() -> None:
    result = count_json(
        _territorial(
            [
                {"name": "A", "votes": 300, "birth_date": "1980-01-01"},
                {"name": "Twin1", "votes": 200, "birth_date": "1960-03-03"},
                {"name": "Twin2", "votes": 200, "birth_date": "1960-03-03"},
                {"name": "Younger", "votes": 200, "birth_date": "1990-03-03"},
            ],
            seats=2,
            voters=500,
        )
    )
    assert result["elected"] == ["A"]
    assert result["undecided"][0]["seats"] == 1
    assert result["undecided"][0]["between"] == ["Twin1", "Twin2"]


def test_cctp_3_2_2_tie_with_unknown_birth_date_is_never_decided_silently() -> None:
    result = count_json(
        _territorial(
            [{"name": "X", "votes": 5, "birth_date": "1950-01-01"}, {"name": "Y", "votes": 5}],
            seats=1,
        )
    )
    assert result["elected"] == []
    assert result["undecided"][0]["between"] == ["X", "Y"]


def _double(regional_seats: int = 2, territorial_seats: int = 7) -> dict[str, Any]:
    return _territorial(
        [
            {"name": "T1", "votes": 210, "birth_date": "1970-01-01", "list": "Union"},
            {"name": "T2", "votes": 190, "birth_date": "1971-01-01", "list": "Avenir"},
            {"name": "T3", "votes": 150, "birth_date": "1972-01-01", "list": "Union"},
            {"name": "T4", "votes": 90, "birth_date": "1973-01-01"},
        ],
        seats=territorial_seats,
        regional={
            "seats": regional_seats,
            "voters": 390,
            "blank": 5,
            "null": 5,
            "candidates": [
                {
                    "name": "R1",
                    "votes": 250,
                    "birth_date": "1965-01-01",
                    "list": "Union",
                    "substitute": {"name": "S1", "birth_date": "1966-01-01"},
                },
                {
                    "name": "R2",
                    "votes": 180,
                    "birth_date": "1964-01-01",
                    "list": "Avenir",
                    "substitute": {"name": "S2", "birth_date": "1967-01-01"},
                },
                {
                    "name": "R3",
                    "votes": 120,
                    "birth_date": "1963-01-01",
                    "list": "Union",
                    "substitute": {"name": "S3", "birth_date": "1968-01-01"},
                },
            ],
        },
    )


def test_r713_27_ccir_elected_and_substitutes_sit_in_ccit_then_remaining_seats() -> None:
    """R713-27: the CCIR winners and their suppléants are elected to the CCIT; the CCIT seats
    left (7 − 2 × 2 = 3) go to the CCIT-only candidates with the most votes."""
    result = count_json(_double())
    assert result["regional"]["elected"] == ["R1", "R2"]
    assert result["substitutes_elected"] == ["S1", "S2"]
    assert result["elected"] == ["R1", "R2", "S1", "S2", "T1", "T2", "T3"]
    assert result["seats"] == {"Union": 4, "Avenir": 3}
    assert result["regional"]["seats"] == {"Union": 1, "Avenir": 1}
    assert result["regional"]["candidates"][0]["pct_votes_cast"] == "65.79"


def test_r713_27_too_few_ccit_seats_for_the_double_election_is_an_error() -> None:
    with pytest.raises(CountingInputError, match="double élection"):
        count_json(_double(regional_seats=2, territorial_seats=3))


def test_r713_27_ccir_tie_for_last_seat_to_oldest() -> None:
    data = _double(regional_seats=2)
    data["regional"]["candidates"][1]["votes"] = 120  # R2 (1964) ties R3 (1963)
    result = count_json(data)
    assert result["regional"]["elected"] == ["R1", "R3"]
    assert result["substitutes_elected"] == ["S1", "S3"]


def test_r713_27_ccir_undecided_tie_reserves_the_ccit_seats() -> None:
    data = _double(regional_seats=2)
    data["regional"]["candidates"][1].update(votes=120, birth_date="1963-01-01")
    result = count_json(data)
    assert result["regional"]["elected"] == ["R1"]
    assert result["undecided"][0]["between"] == ["R2", "R3"]
    # 7 seats − 2 × (1 elected + 1 undecided) = 3 seats for CCIT-only candidates.
    assert result["elected"] == ["R1", "S1", "T1", "T2", "T3"]


def test_r713_8_ccir_candidate_without_substitute_is_rejected() -> None:
    data = _double()
    del data["regional"]["candidates"][0]["substitute"]
    with pytest.raises(CountingInputError, match="suppléant"):
        count_json(data)


def test_cci_has_a_single_round() -> None:
    with pytest.raises(CountingInputError, match="qu'un tour"):
        count_json({**_double(), "round": 2})
