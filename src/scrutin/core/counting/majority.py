"""Majority votes in one or several rounds, uninominal or plurinominal.

Covers the presidential election (Constitution art. 7), legislative (Code électoral L126, L162),
departmental (L193, L210-1, binômes), senatorial majority (L294), municipal majority with
panachage (L253, until the 2026 renewal) and the mayor (CGCT L2122-7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.model import Ballot, Candidate
from scrutin.core.counting.result import ChoiceResult, Result, Undecided
from scrutin.core.counting.rules import Kind, Majority, TieRule
from scrutin.core.counting.thresholds import absolute_majority, reaches
from scrutin.core.counting.ties import Contender, break_tie
from scrutin.core.counting.validation import check_exact_sum, check_names, check_totals, check_votes


def pick_most_voted(
    candidates: Sequence[Candidate], seats: int, ties: Sequence[TieRule], reason: str
) -> tuple[list[str], Undecided | None]:
    """The ``seats`` candidates with the most votes (at least one vote), ties by ``ties``.

    Returns the chosen names, most votes first, and the seats left undecided, if any.
    """
    ranked = sorted((c for c in candidates if c.votes > 0), key=lambda c: (-c.votes, c.name))
    if seats <= 0 or not ranked:
        return [], None
    if len(ranked) <= seats:
        return [c.name for c in ranked], None
    cutoff = ranked[seats - 1].votes
    sure = [c for c in ranked if c.votes > cutoff]
    tied = [c for c in ranked if c.votes == cutoff]
    left = seats - len(sure)
    outcome = break_tie([Contender(c.name, c.votes, c.birth_date) for c in tied], left, ties)
    chosen: list[str] = [c.name for c in sure] + list(outcome.chosen)
    if outcome.undecided_seats:
        return chosen, Undecided(outcome.undecided_seats, outcome.undecided, reason)
    return chosen, None


def _check(ballot: Ballot) -> Majority:
    check_totals(ballot)
    majority = ballot.rules.majority
    if majority is None:
        raise CountingInputError("Les règles ne décrivent pas de scrutin majoritaire.")
    if ballot.round > majority.last_round:
        raise CountingInputError(
            f"Ce scrutin a au plus {majority.last_round} tour(s) ; tour {ballot.round} demandé."
        )
    if not ballot.candidates:
        raise CountingInputError("Aucun candidat n'a été fourni.")
    check_names((c.name for c in ballot.candidates), "candidat")
    votes_cast = ballot.votes_cast
    for candidate in ballot.candidates:
        check_votes(candidate.name, candidate.votes)
        if candidate.votes > votes_cast:
            raise CountingInputError(
                f"Le candidat « {candidate.name} » a plus de voix ({candidate.votes}) que de "
                f"suffrages exprimés ({votes_cast})."
            )
    total = sum(c.votes for c in ballot.candidates) + ballot.other_votes
    if ballot.seats <= 1:
        check_exact_sum(total, votes_cast, "candidats")
    elif total > votes_cast * ballot.seats:
        raise CountingInputError(
            f"Les voix des candidats ({total}) dépassent les suffrages exprimés multipliés par "
            f"le nombre de sièges ({votes_cast} × {ballot.seats})."
        )
    return majority


def count_majority_ballot(ballot: Ballot) -> Result:
    """Count one round of a majority vote."""
    majority = _check(ballot)
    votes_cast = ballot.votes_cast
    undecided: list[Undecided] = []
    qualified: tuple[str, ...] | None = None
    next_round: int | None = None
    notes: list[str] = []
    if ballot.round <= majority.absolute_majority_rounds:
        share = majority.first_round_registered if ballot.round == 1 else 0
        winners = [
            c
            for c in ballot.candidates
            if absolute_majority(c.votes, votes_cast) and c.votes >= share * ballot.registered
        ]
        elected, gap = pick_most_voted(
            winners, ballot.seats, majority.ties, "égalité de voix non départagée"
        )
        if gap:
            undecided.append(gap)
        left = ballot.seats - len(elected) - (gap.seats if gap else 0)
        if left > 0:
            next_round = ballot.round + 1
            notes.append(
                f"{left} siège(s) restent à pourvoir au tour {next_round}."
                if ballot.seats > 1
                else f"Aucun candidat n'est élu ; tour {next_round} nécessaire."
            )
            qualified, more_gaps = _qualified(ballot, majority, set(elected))
            undecided.extend(more_gaps)
    else:
        elected, gap = pick_most_voted(
            ballot.candidates, ballot.seats, majority.ties, "égalité de voix non départagée"
        )
        if gap:
            undecided.append(gap)
    choices = tuple(
        ChoiceResult(
            c.name,
            c.votes,
            list=c.list,
            elected=c.name in elected,
            qualified=qualified is not None and c.name in qualified,
        )
        for c in ballot.candidates
    )
    base = Result.of_ballot(ballot, Kind.MAJORITY, votes_cast=votes_cast)
    return replace(
        base,
        choices=choices,
        elected=tuple(elected),
        qualified=qualified,
        undecided=tuple(undecided),
        next_round=next_round,
        notes=tuple(notes),
    )


def _qualified(
    ballot: Ballot, majority: Majority, elected: set[str]
) -> tuple[tuple[str, ...] | None, list[Undecided]]:
    """Who may stand in the next round, or None when the law sets no condition."""
    if majority.qualification is None and majority.qualification_maximum is None:
        return None, []
    pool = sorted(
        (c for c in ballot.candidates if c.name not in elected), key=lambda c: (-c.votes, c.name)
    )
    gaps: list[Undecided] = []
    if majority.qualification is not None:
        names: list[str] = [
            c.name
            for c in pool
            if reaches(c.votes, majority.qualification, ballot.votes_cast, ballot.registered)
        ]
    else:
        names = [c.name for c in pool]
    if majority.qualification_maximum is not None and len(names) > majority.qualification_maximum:
        chosen, gap = pick_most_voted(
            [c for c in pool if c.name in names],
            majority.qualification_maximum,
            (),
            "égalité pour l'accès au tour suivant",
        )
        names = chosen
        if gap:
            gaps.append(gap)
    if len(names) < majority.qualification_minimum:
        others = [c for c in pool if c.name not in names]
        extra, gap = pick_most_voted(
            others,
            majority.qualification_minimum - len(names),
            (),
            "égalité pour l'accès au tour suivant",
        )
        names = names + extra
        if gap:
            gaps.append(gap)
    return tuple(names), gaps
