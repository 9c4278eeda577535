"""Chambers of commerce and industry (CCTP 3.2.2, Code de commerce L713-16 and R713-27).

L713-16: "Les membres des chambres de commerce et d'industrie de région et territoriales sont
élus au scrutin majoritaire plurinominal à un tour. Si plusieurs candidats obtiennent le même
nombre de suffrages, le plus âgé est proclamé élu."

R713-27, first paragraph (as published, English translation on french-business-law.com): "The
candidates with the highest number of votes in the election for the regional chamber of commerce
and industry are elected to the regional chamber of commerce and industry and to the territorial
chamber of commerce and industry and, where applicable, to a delegation. Their alternate is
elected to the territorial chamber of commerce and industry and, where applicable, to the same
delegation. After allocation of the seats filled pursuant [to the previous paragraph, the seats
remaining to be filled in the territorial chamber go to the candidates for the territorial
chamber alone with the highest number of votes]." The bracketed part is our reading of the
truncated text; see docs/counting.md.

So, per professional category (and sub-category):

1. the CCIR ballot elects its ``regional.seats`` most-voted candidates (oldest on ties);
2. each of them *and* their suppléant takes a seat of the CCIT of the same category;
3. the CCIT seats still free are filled by the most-voted CCIT-only candidates (oldest on ties).

A tie the birth dates cannot settle (same date, or a date missing) is reported as undecided for
the commission (CCTP 3.2.2: never decided silently). Seats held in the CCIT by each groupement
include the suppléants of its CCIR members.
"""

from __future__ import annotations

from dataclasses import replace

from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.majority import pick_most_voted
from scrutin.core.counting.model import Ballot, Candidate
from scrutin.core.counting.result import ChoiceResult, Result, Undecided
from scrutin.core.counting.rules import Kind
from scrutin.core.counting.validation import check_names, check_totals, check_votes


def _check(ballot: Ballot, label: str) -> None:
    check_totals(ballot)
    check_names((c.name for c in ballot.candidates), "candidat")
    for candidate in ballot.candidates:
        check_votes(candidate.name, candidate.votes)
        if candidate.votes > ballot.votes_cast:
            raise CountingInputError(
                f"{label} : le candidat « {candidate.name} » a plus de voix ({candidate.votes}) "
                f"que de suffrages exprimés ({ballot.votes_cast})."
            )
    total = sum(c.votes for c in ballot.candidates) + ballot.other_votes
    if total > ballot.votes_cast * max(ballot.seats, 1):
        raise CountingInputError(
            f"{label} : les voix des candidats ({total}) dépassent les suffrages exprimés "
            f"multipliés par le nombre de sièges ({ballot.votes_cast} × {ballot.seats})."
        )


def _groupement_seats(candidates: list[Candidate], elected: set[str]) -> dict[str, int]:
    seats: dict[str, int] = {}
    for candidate in candidates:
        if candidate.list is not None:
            seats.setdefault(candidate.list, 0)
            if candidate.name in elected:
                seats[candidate.list] += 1
    return seats


def _choices(ballot: Ballot, elected: set[str]) -> tuple[ChoiceResult, ...]:
    return tuple(
        ChoiceResult(
            c.name,
            c.votes,
            list=c.list,
            elected=c.name in elected,
            base_votes_cast=ballot.votes_cast,
        )
        for c in ballot.candidates
    )


def _base(ballot: Ballot) -> Result:
    return Result.of_ballot(ballot, Kind.CCI, round=1)


def count_cci_ballot(ballot: Ballot) -> Result:
    """Count one CCI category: the CCIT ballot and, if given, the CCIR ballot (R713-27)."""
    if ballot.round != 1:
        raise CountingInputError("L'élection des membres des CCI n'a qu'un tour.")
    _check(ballot, "Chambre territoriale")
    ties = ballot.rules.majority.ties if ballot.rules.majority else ()
    reason = "égalité de voix et de date de naissance : à départager par la commission"
    undecided: list[Undecided] = []
    territorial_members: list[str] = []
    substitutes: list[str] = []
    regional_result: Result | None = None
    territorial_candidates = list(ballot.candidates)
    seats_left = ballot.seats

    if ballot.regional is not None:
        regional = ballot.regional
        if regional.round != 1:
            raise CountingInputError("L'élection des membres des CCI n'a qu'un tour.")
        _check(regional, "Chambre de région")
        names = {c.name for c in ballot.candidates}
        for candidate in regional.candidates:
            if candidate.name in names:
                raise CountingInputError(
                    f"« {candidate.name} » est candidat à la fois à la CCIR et à la CCIT seule."
                )
            if candidate.substitute is None:
                raise CountingInputError(
                    f"Le candidat à la CCIR « {candidate.name} » n'a pas de suppléant "
                    "(Code de commerce R713-8)."
                )
        chosen, gap = pick_most_voted(regional.candidates, regional.seats, ties, reason)
        by_name: dict[str, Candidate] = {c.name: c for c in regional.candidates}
        regional_undecided: tuple[Undecided, ...] = ()
        filled = len(chosen)
        if gap:
            regional_undecided = (gap,)
            undecided.append(
                Undecided(gap.seats, gap.between, "CCIR : " + reason + " (et leurs suppléants)")
            )
            filled += gap.seats
        for name in chosen:
            substitute = by_name[name].substitute
            territorial_members.append(name)
            if substitute is not None:
                substitutes.append(substitute.name)
        used = 2 * filled
        if used > ballot.seats:
            raise CountingInputError(
                f"La chambre territoriale n'a que {ballot.seats} siège(s) dans cette catégorie, "
                f"moins que les {used} pourvus par la double élection (R713-27)."
            )
        seats_left = ballot.seats - used
        regional_result = replace(
            _base(regional),
            choices=_choices(regional, set(chosen)),
            elected=tuple(chosen),
            seats=_groupement_seats(list(regional.candidates), set(chosen)),
            undecided=regional_undecided,
        )

    chosen_t, gap_t = pick_most_voted(territorial_candidates, seats_left, ties, reason)
    if gap_t:
        undecided.append(gap_t)
    elected = territorial_members + substitutes + chosen_t
    members = set(territorial_members) | set(chosen_t)
    seats = _groupement_seats(territorial_candidates, members)
    if ballot.regional is not None:
        for candidate in ballot.regional.candidates:
            if candidate.list is None:
                continue
            seats.setdefault(candidate.list, 0)
            if candidate.name in members:
                seats[candidate.list] += 2  # the member and their suppléant (R713-27)
    notes = []
    vacant = (
        ballot.seats
        - len(elected)
        - sum(u.seats for u in undecided)
        - (sum(u.seats for u in undecided if u.reason.startswith("CCIR")))
    )
    if vacant > 0:
        notes.append(
            f"{vacant} siège(s) de la chambre territoriale restent vacants faute de candidat élu."
        )
    return replace(
        _base(ballot),
        choices=_choices(ballot, set(chosen_t)),
        seats=seats,
        elected=tuple(elected),
        substitutes_elected=tuple(substitutes),
        undecided=tuple(undecided),
        regional=regional_result,
        notes=tuple(notes),
    )
