"""From an urn's decrypted totals to its results document (``scrutin-urn-results/v1``).

CCTP 4.1.4.8.1: registered, voters, null, blank, votes cast and votes per candidate; seats per
groupement; who is elected by the CCI rule of the counting library (L713-16, R713-27: most votes,
the oldest on ties, CCIR members and their suppléants also seated in the CCIT; undecidable ties
are reported to the commission, never settled here). The document is signed by the platform; the
procès-verbaux and CCI France exports are made from it (``minutes``, ``exports``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from scrutin.core.counting.count import count
from scrutin.core.counting.model import Ballot, Candidate, CandidateName, ListName, Person
from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.result import Result
from scrutin.crypto.signing import public_key_hex, sign_document

from ..candidates.models import Candidate as CandidateRow
from ..control.services import region_of
from ..electoral.models import Question, Urn
from ..environment import mark
from ..keys import platform_signing_key
from ..voting.elections import ballot_items

RESULTS_FORMAT = "scrutin-urn-results/v1"
INTERNET_NULL = 0  # the overall proof makes a null ballot impossible (docs/protocol.md §7)


def _person(c: CandidateRow) -> str:
    return f"{c.civility} {c.first_name} {c.last_name.upper()}"


def _substitute(c: CandidateRow) -> str | None:
    if not c.substitute_last_name:
        return None
    return f"{c.substitute_civility} {c.substitute_first_name} {c.substitute_last_name.upper()}"


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


class _BallotInput:
    """One question of the urn with its decrypted totals, in ballot order."""

    def __init__(
        self, question: Question, counts: list[int] | None, blank: int, voters: int, registered: int
    ) -> None:
        self.question = question
        self.rows: list[tuple[CandidateRow, str | None]] = [
            (c, g.name if g else None) for g, members in ballot_items(question) for c in members
        ]
        self.counts = counts if counts is not None else [0] * len(self.rows)
        if len(self.counts) != len(self.rows):
            raise ValueError(f"{question.kind}: {len(self.counts)} totals for {len(self.rows)}")
        self.blank = blank
        self.voters = voters
        self.registered = registered
        self.on_ballot = counts is not None

    def counting_ballot(self, *, regional: Ballot | None = None) -> Ballot:
        candidates = tuple(
            Candidate(
                CandidateName(f"c{c.pk}"), votes, c.birth_date, ListName(g) if g else None,
                Person(CandidateName(f"s{c.pk}"), c.substitute_birth_date)
                if _substitute(c) else None,
            )
            for (c, g), votes in zip(self.rows, self.counts, strict=True)
        )  # fmt: skip
        return Ballot(
            rules=PRESETS["cci"].rules, preset="cci", seats=self.question.seats,
            registered=self.registered, voters=self.voters, blank=self.blank, null=INTERNET_NULL,
            candidates=candidates, regional=regional,
        )  # fmt: skip


def count_urn(
    urn: Urn, totals: dict[str, tuple[list[int], int]], voters: int, registered: int
) -> tuple[dict[str, _BallotInput], Result]:
    """Apply the CCI rule to the urn's totals (``{"ccir": (counts, blank), "ccit": …}``)."""
    inputs: dict[str, _BallotInput] = {}
    for question in urn.questions.order_by("position"):
        key = question.kind.lower()
        counts, blank = totals.get(key, (None, 0))
        inputs[key] = _BallotInput(question, counts, blank, voters, registered)
    regional = inputs["ccir"].counting_ballot() if "ccir" in inputs else None
    if "ccit" not in inputs:
        raise ValueError(f"urn {urn.code}: no CCIT ballot")
    result = count(inputs["ccit"].counting_ballot(regional=regional))
    return inputs, result


def _names(inputs: dict[str, _BallotInput]) -> dict[str, str]:
    names: dict[str, str] = {}
    for item in inputs.values():
        for c, _ in item.rows:
            names[f"c{c.pk}"] = _person(c)
            if (s := _substitute(c)) is not None:
                names[f"s{c.pk}"] = s
    return names


def _ballot_doc(
    item: _BallotInput, result: Result, names: dict[str, str], *, ccir: bool
) -> dict[str, Any]:
    elected = set(result.elected)
    q = item.question
    candidates = []
    for (c, groupement), votes in zip(item.rows, item.counts, strict=True):
        cid = f"c{c.pk}"
        won = cid in elected
        candidates.append({
            "id": cid, "name": _person(c), "groupement": groupement, "substitute": _substitute(c),
            "birth_date": c.birth_date.isoformat() if c.birth_date else None, "votes": votes,
            "elected": won, "elected_to": (["CCIR", "CCIT"] if ccir else ["CCIT"]) if won else [],
        })  # fmt: skip
    groupements: dict[str, dict[str, Any]] = {}
    for _c, groupement in item.rows:
        if groupement is not None:
            entry = groupements.setdefault(
                groupement, {"name": groupement, "candidates": 0, "seats": 0}
            )
            entry["candidates"] += 1
    for name, seats in (result.seats or {}).items():
        if name in groupements:
            groupements[name]["seats"] = seats
    doc: dict[str, Any] = {
        "id": q.kind.lower(), "kind": q.kind, "title": q.title or q.get_kind_display(),
        "seats": q.seats, "blank": item.blank, "null": INTERNET_NULL,
        "cast": item.voters - item.blank - INTERNET_NULL,
        "candidates": candidates, "groupements": list(groupements.values()),
        "undecided": [
            {"seats": u.seats, "between": [names.get(n, n) for n in u.between], "reason": u.reason}
            for u in result.undecided
        ],
    }  # fmt: skip
    if not ccir:
        doc["substitutes_elected"] = [names.get(n, n) for n in result.substitutes_elected]
    return doc


def urn_results(
    urn: Urn,
    totals: dict[str, tuple[list[int], int]],
    *,
    registered: int,
    voters: int,
    fingerprints: dict[str, str],
    seals: dict[str, str],
    times: dict[str, datetime | None],
    decrypted_by: list[str],
    trustee_names: dict[str, str],
) -> dict[str, Any]:
    """The signed results document of one urn, both ballots (CCTP 3.2.2.6, 4.1.4.8.1)."""
    inputs, result = count_urn(urn, totals, voters, registered)
    names = _names(inputs)
    ballots = []
    if "ccir" in inputs and inputs["ccir"].on_ballot and result.regional is not None:
        ballots.append(_ballot_doc(inputs["ccir"], result.regional, names, ccir=True))
    if inputs["ccit"].on_ballot:
        ballots.append(_ballot_doc(inputs["ccit"], result, names, ccir=False))
    elif result.substitutes_elected or result.elected:
        # no CCIT-only candidate: the CCIT seats go to the CCIR members and their suppléants
        ballots.append(_ballot_doc(inputs["ccit"], result, names, ccir=False))
    subcategory = (
        {"code": urn.subcategory_code, "label": urn.subcategory_label}
        if urn.subcategory_code else None
    )  # fmt: skip
    doc: dict[str, Any] = {
        "format": RESULTS_FORMAT,
        "cci": {"code": urn.cci_id, "label": urn.cci.label},
        "region": region_of(urn),
        "urn": {"code": urn.code, "title": urn.site_title,
                "category": {"code": urn.category.code, "label": urn.category.label},
                "subcategory": subcategory},
        **fingerprints,
        "times": {k: _iso(v) for k, v in times.items()},
        "seals": seals,
        "decrypted_by": decrypted_by,
        "trustee_names": trustee_names,
        "registered": registered,
        "voters": voters,
        "ballots": ballots,
        "notes": list(result.notes),
    }  # fmt: skip
    mark(doc)  # "environment": "test" on a test instance only
    key = platform_signing_key()
    doc["signature"] = {"key": public_key_hex(key), "value": sign_document(key, doc)}
    return doc
