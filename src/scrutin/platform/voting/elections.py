"""Building an urn's election parameters from its ballots and candidatures (protocol.md §4).

Question ids are ``ccir`` / ``ccit``; candidate ids ``c<primary key>``; candidates in ballot
order: groupements and individual candidacies by registration order, candidates inside a
groupement by rank. ``max`` is the number of seats (never more than the candidates).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import parse_parameters

from ..audit.journal import record_event
from ..candidates.models import Candidate, Groupement
from ..electoral.models import Question, Urn
from ..keys import platform_public_key_hex
from .models import UrnElection

ELECTION_FORMAT = "scrutin-election/v1"


def ballot_items(question: Question) -> list[tuple[Groupement | None, list[Candidate]]]:
    """The ballot as the voter reads it: (groupement or None, its candidates) by registration."""
    return ballot_items_for([question])[question.pk]


def ballot_items_for(
    questions: list[Question],
) -> dict[int, list[tuple[Groupement | None, list[Candidate]]]]:
    """:func:`ballot_items` of several questions in three queries, whatever the number of
    groupements (the ballot page asks on every voter's visit); professions de foi included."""
    ids = [q.pk for q in questions]
    items: dict[int, list[tuple[int, Groupement | None, list[Candidate]]]] = {i: [] for i in ids}
    members: dict[int, list[Candidate]] = {}
    groupements = Groupement.objects.filter(question_id__in=ids).select_related("profession")
    for groupement in groupements.order_by("registration", "pk"):
        members[groupement.pk] = []
        items[groupement.question_id].append(
            (groupement.registration, groupement, members[groupement.pk])
        )
    for candidate in Candidate.objects.filter(
        question_id__in=ids, groupement__isnull=False
    ).order_by("position", "pk"):
        members[candidate.groupement_id or 0].append(candidate)  # never 0: filtered above
    for candidate in (
        Candidate.objects.filter(question_id__in=ids, groupement__isnull=True)
        .select_related("profession")
        .order_by("registration", "pk")
    ):
        items[candidate.question_id].append((candidate.registration or 0, None, [candidate]))
    for entries in items.values():
        entries.sort(key=lambda item: item[0])
    return {i: [(g, m) for _, g, m in entries] for i, entries in items.items()}


def candidate_label(candidate: Candidate, groupement: Groupement | None) -> str:
    name = f"{candidate.civility} {candidate.first_name} {candidate.last_name.upper()}"
    return f"{name} — {groupement.name}" if groupement else name


def questions_document(urn: Urn) -> list[dict[str, Any]]:
    questions = []
    for question in urn.questions.order_by("position"):
        candidates = [
            {"id": f"c{c.pk}", "name": candidate_label(c, g)}
            for g, members in ballot_items(question)
            for c in members
        ]
        if not candidates:
            continue
        questions.append({
            "id": question.kind.lower(),
            "title": question.title or question.get_kind_display(),
            "candidates": candidates,
            "max": min(question.seats, len(candidates)),
        })  # fmt: skip
    return questions


def open_election(
    urn: Urn, trustees: dict[str, Any], group: str, opens_at: datetime, closes_at: datetime
) -> UrnElection:
    """Record the urn's election from the key ceremony's public output (``trustees.json``)."""
    params = {
        "format": ELECTION_FORMAT,
        "election_id": f"cci-2026-{urn.code}",
        "title": urn.site_title,
        "group": group,
        "public_key": trustees["public_key"],
        "trustees": fingerprint(trustees),
        "platform_key": platform_public_key_hex(),
        "questions": questions_document(urn),
    }
    parsed = parse_parameters(params)  # validates everything, as the verifier will
    election, _ = UrnElection.objects.update_or_create(
        urn=urn,
        defaults={
            "params": params,
            "fingerprint": parsed.fingerprint(),
            "opens_at": opens_at,
            "closes_at": closes_at,
        },
    )
    record_event("voting:urn:open", cci_code=urn.cci_id, urn_code=urn.code,
                 data={"election": election.fingerprint, "opens_at": opens_at.isoformat(),
                       "closes_at": closes_at.isoformat()})  # fmt: skip
    return election
