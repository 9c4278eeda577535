"""The arithmetic checks of centralisation (RT 22, 28): any consistent procès-verbal passes, and
each broken rule is named in French (docs/machine-centralisation.md, "Figures")."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scrutin.core.counting.io import count_json
from scrutin.machine.core.centralfigures import (
    Shape,
    add_figures,
    check_figures,
    counting_input,
)


@st.composite
def consistent(draw: st.DrawFn, shape: Shape | None = None) -> tuple[Shape, dict[str, Any]]:
    """Figures a real bureau could report: single-choice questions, voices summing to cast."""
    if shape is None:
        shape = Shape(tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))), 1)
    null = draw(st.integers(0, 20))
    votes = [draw(st.lists(st.integers(0, 500), min_size=n, max_size=n)) for n in shape.choices]
    blanks = [draw(st.integers(0, 50)) for _ in shape.choices]
    # Every question is answered by every voter: voters is the largest total, others get blanks.
    voters = max(sum(v) + b + null for v, b in zip(votes, blanks, strict=True))
    answers = [{"blank": voters - null - sum(v), "cast": sum(v), "votes": v} for v in votes]
    registered = voters + draw(st.integers(0, 1000))
    return shape, {"registered": registered, "voters": voters, "null": null, "answers": answers}


@given(consistent())
def test_rt_28_consistent_figures_pass(case: tuple[Shape, dict[str, Any]]) -> None:
    shape, figures = case
    assert check_figures(figures, shape) == []


@given(consistent(), st.integers(1, 30), st.data())
def test_rt_28_one_voice_changed_is_named(
    case: tuple[Shape, dict[str, Any]], delta: int, data: st.DataObject
) -> None:
    shape, figures = case
    q = data.draw(st.integers(0, len(shape.choices) - 1))
    c = data.draw(st.integers(0, shape.choices[q] - 1))
    figures = copy.deepcopy(figures)
    figures["answers"][q]["votes"][c] += delta
    errors = check_figures(figures, shape)
    assert any("somme des voix" in e and "diffère des exprimés" in e for e in errors)


@given(consistent(), st.integers(1, 30))
def test_rt_28_voters_not_cast_plus_blank_plus_null_is_named(
    case: tuple[Shape, dict[str, Any]], delta: int
) -> None:
    shape, figures = case
    figures = copy.deepcopy(figures) | {"voters": figures["voters"] + delta}
    figures["registered"] += delta
    errors = check_figures(figures, shape)
    assert errors and all("exprimés + blancs + nuls" in e for e in errors)


@given(consistent())
def test_rt_28_more_voters_than_registered_is_named(case: tuple[Shape, dict[str, Any]]) -> None:
    shape, figures = case
    if figures["voters"] == 0:
        return
    figures = figures | {"registered": figures["voters"] - 1}
    assert check_figures(figures, shape) == [
        f"plus de votants ({figures['voters']}) que d'inscrits ({figures['voters'] - 1})."
    ]


@given(st.lists(consistent(Shape((3, 2), 1)), min_size=1, max_size=5))
def test_rt_22_the_sum_of_consistent_bureaux_is_consistent(
    cases: list[tuple[Shape, dict[str, Any]]],
) -> None:
    shape = cases[0][0]
    total = add_figures(shape, [f for _, f in cases])
    assert check_figures(total, shape) == []
    assert total["voters"] == sum(f["voters"] for _, f in cases)
    assert total["answers"][0]["votes"][2] == sum(f["answers"][0]["votes"][2] for _, f in cases)


def test_rt_28_bad_values_are_named_with_their_field() -> None:
    shape = Shape((2,), 1)
    figures: dict[str, Any] = {
        "registered": 10, "voters": True, "null": -1,
        "answers": [{"blank": 0, "cast": 5, "votes": [5, 0]}],
    }  # fmt: skip
    assert check_figures(figures, shape, "bureau n° 2") == [
        "bureau n° 2 — votants : un nombre entier est attendu.",
        "bureau n° 2 — bulletins nuls : doit être compris entre 0 et 100000000.",
    ]
    figures = {
        "registered": 10,
        "voters": 5,
        "null": 0,
        "answers": [{"blank": 0, "cast": 5, "votes": [5]}],
    }
    assert check_figures(figures, shape) == ["2 nombres de voix attendus (un par choix)."]
    assert check_figures([], shape) == ["chiffres absents ou illisibles."]


def test_rt_28_plurinominal_ballots_carry_up_to_max_voices() -> None:
    shape = Shape((4,), 2)
    good = {"registered": 10, "voters": 6, "null": 0,
            "answers": [{"blank": 1, "cast": 5, "votes": [5, 3, 1, 0]}]}  # fmt: skip
    assert check_figures(good, shape) == []
    bad = copy.deepcopy(good)
    bad["answers"][0]["votes"] = [6, 5, 0, 0]
    assert check_figures(bad, shape) == [
        "la somme des voix (11) dépasse 2 voix par suffrage exprimé (5).",
        "le choix 1 a plus de voix (6) que d'exprimés (5).",
    ]


def test_l262_majority_bonus_on_the_communes_sum_by_hand() -> None:
    """29 seats; A 14, B 7, C 4 of 25 cast, 36 registered: A has the absolute majority and a
    quarter of the registered, so 15 seats of bonus (half of 29, rounded up), then 14 by highest
    average: quotients 14, 7, 7, 4.67, 4, 3.5, 3.5, 2.8, 2.33, 2.33, 2, 2, 1.75, 1.75 | 1.56 —
    A 8, B 4, C 2. Seats: A 23, B 4, C 2."""
    scrutin = {"preset": "municipal", "seats": 29, "round": 1, "choices": [
        {"name": n, "members": [f"{n} {i}" for i in range(29)]} for n in ("A", "B", "C")]}  # fmt: skip
    figures = {"registered": 36, "voters": 27, "null": 0,
               "answers": [{"blank": 2, "cast": 25, "votes": [14, 7, 4]}]}  # fmt: skip
    result = count_json(counting_input(scrutin, figures))
    assert result["seats"] == {"A": 23, "B": 4, "C": 2}
