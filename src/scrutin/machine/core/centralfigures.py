"""The figures of a procès-verbal as centralisation carries them, their checks and their sums
(RT 22, 28; docs/machine-centralisation.md, "Figures").

One scrutin's figures, for a bureau or for the sum of several::

    {"registered": 900, "voters": 412, "null": 0,
     "answers": [{"blank": 7, "cast": 405, "votes": [210, 120, 75]}]}

``answers`` has one entry per question: one for a candidates' or lists' scrutin, one per
question for a referendum (``votes`` = [yes, no]). :func:`check_figures` names, in French, every
arithmetic rule a figure breaks (votants = exprimés + blancs + nuls for each question, votants ≤
inscrits, the sum of the voices against the exprimés…); :func:`add_figures` sums bureaux;
:func:`counting_input` turns a commune's sum into the counting library's input, so the seats are
computed by the same presets as everywhere else (:mod:`scrutin.core.counting`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.rules import Kind

MAX_COUNT = 100_000_000
"""Above any French electorate (about 49 million registered): a bound on attacker input."""

COMMUNE_DECIDES = frozenset({"municipal", "municipal-majority", "referendum-local"})
"""Presets whose seats (or outcome) the commune's centralising bureau decides: the municipal
council (lists with majority bonus from 1,000 inhabitants, panachage below) and a local
referendum. Every other scrutin's constituency is wider than the commune: its figures go up."""


@dataclass(frozen=True)
class Shape:
    """What figures must look like for one scrutin: how many choices per question, and how many
    a voter may pick (1 except for a plurinominal majority vote)."""

    choices: tuple[int, ...]
    max: int


def _count(value: object, where: str, errors: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"{where} : un nombre entier est attendu.")
        return 0
    if not 0 <= value <= MAX_COUNT:
        errors.append(f"{where} : doit être compris entre 0 et {MAX_COUNT}.")
        return 0
    return value


def check_figures(figures: object, shape: Shape, label: str = "") -> list[str]:
    """Every arithmetic rule ``figures`` breaks, in French (empty when they hold)."""
    pre = f"{label} — " if label else ""
    errors: list[str] = []
    if not isinstance(figures, Mapping):
        return [f"{pre}chiffres absents ou illisibles."]
    if set(figures) != {"registered", "voters", "null", "answers"}:
        return [f"{pre}chiffres incomplets ou avec un champ inconnu."]
    registered = _count(figures["registered"], f"{pre}inscrits", errors)
    voters = _count(figures["voters"], f"{pre}votants", errors)
    null = _count(figures["null"], f"{pre}bulletins nuls", errors)
    if errors:
        return errors
    if voters > registered:
        errors.append(f"{pre}plus de votants ({voters}) que d'inscrits ({registered}).")
    answers = figures["answers"]
    if not isinstance(answers, list) or len(answers) != len(shape.choices):
        return [*errors, f"{pre}{len(shape.choices)} question(s) attendue(s)."]
    for i, (answer, size) in enumerate(zip(answers, shape.choices, strict=True), 1):
        q = f"{pre}question {i} — " if len(shape.choices) > 1 else pre
        if not isinstance(answer, Mapping) or set(answer) != {"blank", "cast", "votes"}:
            errors.append(f"{q}blancs, exprimés et voix attendus.")
            continue
        local: list[str] = []
        blank = _count(answer["blank"], f"{q}blancs", local)
        cast = _count(answer["cast"], f"{q}exprimés", local)
        votes = answer["votes"]
        if not isinstance(votes, list) or len(votes) != size:
            local.append(f"{q}{size} nombres de voix attendus (un par choix).")
            votes = []
        counts = [_count(v, f"{q}voix du choix {j}", local) for j, v in enumerate(votes, 1)]
        errors += local
        if local:
            continue
        if cast + blank + null != voters:
            errors.append(
                f"{q}votants ({voters}) différents de exprimés + blancs + nuls "
                f"({cast} + {blank} + {null} = {cast + blank + null})."
            )
        total = sum(counts)
        if shape.max == 1 and total != cast:
            errors.append(f"{q}la somme des voix ({total}) diffère des exprimés ({cast}).")
        if shape.max > 1:
            if total > cast * shape.max:
                errors.append(
                    f"{q}la somme des voix ({total}) dépasse {shape.max} voix par suffrage "
                    f"exprimé ({cast})."
                )
            if cast and total < cast:
                errors.append(f"{q}moins de voix ({total}) que de suffrages exprimés ({cast}).")
            for j, v in enumerate(counts, 1):
                if v > cast:
                    errors.append(f"{q}le choix {j} a plus de voix ({v}) que d'exprimés ({cast}).")
    return errors


def zero(shape: Shape) -> dict[str, Any]:
    return {
        "registered": 0,
        "voters": 0,
        "null": 0,
        "answers": [{"blank": 0, "cast": 0, "votes": [0] * n} for n in shape.choices],
    }


def add_figures(shape: Shape, parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The sum of checked figures, field by field."""
    total = zero(shape)
    for f in parts:
        for k in ("registered", "voters", "null"):
            total[k] += f[k]
        for t, a in zip(total["answers"], f["answers"], strict=True):
            t["blank"] += a["blank"]
            t["cast"] += a["cast"]
            t["votes"] = [x + y for x, y in zip(t["votes"], a["votes"], strict=True)]
    return total


def counting_input(scrutin: Mapping[str, Any], figures: Mapping[str, Any]) -> dict[str, Any]:
    """Summed figures as :func:`scrutin.core.counting.io.count_json`'s input (docs/counting.md):
    ``scrutin`` is a scrutin of the centralisation file (preset, seats, round, choices)."""
    preset = scrutin["preset"]
    kind = PRESETS[preset].rules.kind
    doc: dict[str, Any] = {
        "preset": preset,
        "registered": figures["registered"],
        "voters": figures["voters"],
    }
    if kind is Kind.REFERENDUM:
        doc["questions"] = [
            {"name": q["text"], "yes": a["votes"][0], "no": a["votes"][1], "blank": a["blank"]}
            for q, a in zip(scrutin["questions"], figures["answers"], strict=True)
        ]
        return doc
    (answer,) = figures["answers"]
    doc |= {
        "seats": scrutin["seats"],
        "round": scrutin["round"],
        "blank": answer["blank"],
        "null": figures["null"],
    }
    if kind is Kind.LIST:
        doc["lists"] = [
            {"name": c["name"], "votes": v, "candidates": [{"name": m} for m in c["members"]]}
            for c, v in zip(scrutin["choices"], answer["votes"], strict=True)
        ]
    else:
        doc["candidates"] = [
            {"name": c["name"], "votes": v}
            for c, v in zip(scrutin["choices"], answer["votes"], strict=True)
        ]
    return doc


def shape_of(scrutin: Mapping[str, Any]) -> Shape:
    """The shape of a scrutin of the centralisation file."""
    if "questions" in scrutin:
        return Shape(tuple(2 for _ in scrutin["questions"]), 1)
    return Shape((len(scrutin["choices"]),), int(scrutin["max"]))
