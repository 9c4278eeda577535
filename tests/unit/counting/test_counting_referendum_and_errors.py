"""Referendum questions and invalid input (clear French errors)."""

from __future__ import annotations

from typing import Any

import pytest

from scrutin.core.counting import CountingInputError, count_json


def test_referendum_several_questions_yes_no_blank() -> None:
    result = count_json(
        {
            "preset": "referendum",
            "registered": 1_000,
            "voters": 700,
            "questions": [
                {"name": "Q1", "yes": 400, "no": 250, "blank": 30, "null": 20},
                {"name": "Q2", "yes": 300, "no": 300, "blank": 60, "null": 40},
            ],
        }
    )
    q1, q2 = result["questions"]
    assert q1["adopted"] is True
    assert q1["votes_cast"] == 650
    assert q1["pct_yes"] == "61.54"
    assert q2["adopted"] is False  # a tie is not a majority of positive votes


def test_local_referendum_requires_half_of_registered_to_vote() -> None:
    question = [{"name": "Q", "yes": 300, "no": 100, "blank": 0, "null": 0}]
    low = count_json(
        {"preset": "referendum-local", "registered": 1_000, "voters": 400, "questions": question}
    )
    assert low["questions"][0]["quorum_reached"] is False
    assert low["questions"][0]["adopted"] is False
    question[0]["yes"] = 400
    ok = count_json(
        {"preset": "referendum-local", "registered": 1_000, "voters": 500, "questions": question}
    )
    assert ok["questions"][0]["adopted"] is True


def _list_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "preset": "european",
        "seats": 5,
        "registered": 1_000,
        "voters": 800,
        "blank": 10,
        "null": 10,
        "lists": [{"name": "A", "votes": 500}, {"name": "B", "votes": 280}],
    }
    doc.update(overrides)
    return doc


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"voters": 1_200}, "plus de votants"),
        ({"blank": -1}, "négatif"),
        ({"seats": -2}, "sièges est négatif"),
        (
            {"lists": [{"name": "A", "votes": 600}, {"name": "B", "votes": 280}]},
            "dépassent les suffrages",
        ),
        ({"lists": [{"name": "A", "votes": -5}, {"name": "B", "votes": 785}]}, "négatif"),
        ({"lists": [{"name": "A", "votes": 500}, {"name": "A", "votes": 280}]}, "deux fois"),
        ({"lists": [{"name": "A", "votes": 500}]}, "other_votes"),
        ({"preset": "nope"}, "Preset inconnu"),
        ({"seats": "5"}, "nombre entier"),
        ({"seat": 5}, r"Clé\(s\) inconnue\(s\) : seat"),
        ({"rules": {"bonus": {"fraction": "3/2"}}}, "prime majoritaire ne peut dépasser"),
        ({"rules": {"method": "borda"}}, "méthode inconnus"),
        ({"blank": 500, "null": 400}, "dépassent le nombre de votants"),
    ],
)
def test_invalid_input_gets_a_clear_french_error(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(CountingInputError, match=message):
        count_json(_list_doc(**overrides))


def test_unknown_list_in_sections_is_rejected() -> None:
    with pytest.raises(CountingInputError, match="liste inconnue"):
        count_json(_list_doc(preset="regional", sections={"D1": {"Z": 3}}))


def test_unknown_list_of_a_candidate_is_rejected() -> None:
    with pytest.raises(CountingInputError, match="liste inconnue"):
        count_json(_list_doc(candidates=[{"name": "x", "votes": 0, "list": "Z"}]))


def test_candidate_with_more_votes_than_votes_cast_is_rejected() -> None:
    with pytest.raises(CountingInputError, match="plus de voix"):
        count_json(
            {
                "preset": "municipal-majority",
                "seats": 2,
                "registered": 10,
                "voters": 10,
                "candidates": [{"name": "A", "votes": 11}],
            }
        )


def test_bad_birth_date_is_rejected() -> None:
    with pytest.raises(CountingInputError, match="Date de naissance invalide"):
        count_json(
            {
                "preset": "mayor",
                "registered": 3,
                "voters": 3,
                "candidates": [{"name": "A", "votes": 3, "birth_date": "31/12/1960"}],
            }
        )


def test_neither_preset_nor_rules_is_rejected() -> None:
    with pytest.raises(CountingInputError, match="preset"):
        count_json({"seats": 1})


def test_referendum_answers_must_add_up_to_voters() -> None:
    with pytest.raises(CountingInputError, match="ne font pas"):
        count_json(
            {
                "preset": "referendum",
                "registered": 10,
                "voters": 5,
                "questions": [{"name": "Q", "yes": 1, "no": 1}],
            }
        )
