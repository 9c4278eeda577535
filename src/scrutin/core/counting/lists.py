"""List elections: proportional share with threshold, majority bonus, departmental sections.

Covers municipal (Code électoral L262), regional (L338, L338-1), European (loi n° 77-729 art. 3),
senatorial proportional (L295) and Paris/Lyon/Marseille by sector (L271-L272 as of 1982).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.methods import Allocation, allocate
from scrutin.core.counting.model import Ballot, PartyList, Person, SectionName
from scrutin.core.counting.result import (
    BonusResult,
    ChoiceResult,
    Result,
    Split,
    Undecided,
)
from scrutin.core.counting.rules import Bonus, Kind, Rounding
from scrutin.core.counting.thresholds import absolute_majority, reaches
from scrutin.core.counting.ties import Contender, break_tie, mean_birth
from scrutin.core.counting.validation import check_exact_sum, check_names, check_totals, check_votes


def bonus_seats(bonus: Bonus, seats: int) -> int:
    """Seats of the bonus for ``seats`` to fill, with the statutory rounding."""
    exact = bonus.fraction * seats
    if exact.denominator == 1:
        return int(exact)
    if bonus.rounding is Rounding.UP:
        return math.ceil(exact)
    if bonus.rounding is Rounding.DOWN:
        return math.floor(exact)
    # L262: "arrondi, le cas échéant, à l'entier supérieur lorsqu'il y a plus de quatre sièges à
    # pourvoir et à l'entier inférieur lorsqu'il y a moins de quatre sièges à pourvoir".
    return math.ceil(exact) if seats > 4 else math.floor(exact)


def _check_lists(ballot: Ballot) -> None:
    check_totals(ballot)
    if not ballot.lists:
        raise CountingInputError("Aucune liste n'a été fournie.")
    check_names((lst.name for lst in ballot.lists), "liste")
    for lst in ballot.lists:
        check_votes(lst.name, lst.votes)
        if lst.sections:
            for section, votes in lst.sections.items():
                check_votes(f"{lst.name} / {section}", votes)
            if sum(lst.sections.values()) != lst.votes:
                raise CountingInputError(
                    f"Les voix de la liste « {lst.name} » par section "
                    f"({sum(lst.sections.values())}) ne font pas son total ({lst.votes})."
                )
    check_exact_sum(
        sum(lst.votes for lst in ballot.lists) + ballot.other_votes, ballot.votes_cast, "listes"
    )


def _next_person(candidates: tuple[Person, ...], index: int) -> Person | None:
    return candidates[index] if 0 <= index < len(candidates) else None


def _choose_bonus_list(ballot: Ballot, bonus: Bonus) -> tuple[BonusResult | None, int, bool]:
    """The list that takes the bonus; returns (bonus, bonus seats, round complete)."""
    seats = bonus_seats(bonus, ballot.seats)
    votes_cast = ballot.votes_cast
    best = max(lst.votes for lst in ballot.lists)
    leaders = [lst for lst in ballot.lists if lst.votes == best]
    if (
        ballot.round == 1
        and bonus.first_round_absolute_majority
        and not absolute_majority(best, votes_cast)
    ):
        return None, 0, False
    if len(leaders) == 1:
        return BonusResult(leaders[0].name, seats), seats, True
    outcome = break_tie(
        [
            Contender(
                lst.name,
                lst.votes,
                _birth(_next_person(lst.candidates, 0)),
                mean_birth([p.birth_date for p in lst.candidates]),
            )
            for lst in leaders
        ],
        1,
        bonus.ties,
    )
    tied = tuple(sorted(lst.name for lst in leaders))
    if outcome.chosen:
        return BonusResult(outcome.chosen[0], seats, tied, outcome.decided_by), seats, True
    return BonusResult(None, seats, tied, outcome.decided_by), seats, True


def _birth(person: Person | None) -> date | None:
    return None if person is None else person.birth_date


def count_list_ballot(ballot: Ballot) -> Result:
    """Count one round of a list election."""
    if ballot.sectors:
        return count_sectors(ballot)
    _check_lists(ballot)
    rules = ballot.rules
    votes_cast = ballot.votes_cast
    by_name: dict[str, PartyList] = {lst.name: lst for lst in ballot.lists}
    notes: list[str] = []
    undecided: list[Undecided] = []

    bonus_result: BonusResult | None = None
    bonus_count = 0
    if rules.bonus is not None:
        if rules.bonus.fraction < 0 or rules.bonus.fraction > 1:
            raise CountingInputError("La prime majoritaire ne peut dépasser le nombre de sièges.")
        bonus_result, bonus_count, complete = _choose_bonus_list(ballot, rules.bonus)
        if not complete:
            qualified = tuple(
                lst.name
                for lst in sorted(ballot.lists, key=lambda x: (-x.votes, x.name))
                if reaches(lst.votes, rules.round_two_threshold, votes_cast, ballot.registered)
            )
            return replace(
                _result(ballot),
                choices=tuple(
                    ChoiceResult(lst.name, lst.votes, qualified=lst.name in qualified)
                    for lst in ballot.lists
                ),
                qualified=qualified,
                next_round=ballot.round + 1,
                notes=("Aucune liste n'a la majorité absolue des suffrages exprimés.",),
            )
        if bonus_result is not None and bonus_result.list is None:
            undecided.append(
                Undecided(
                    bonus_count,
                    bonus_result.tied,
                    "égalité pour la prime majoritaire non départagée",
                )
            )

    eligible: dict[str, int] = {
        lst.name: lst.votes
        for lst in ballot.lists
        if reaches(lst.votes, rules.threshold, votes_cast, ballot.registered)
    }
    held_bonus = dict.fromkeys(by_name, 0)
    if bonus_result is not None and bonus_result.list is not None:
        held_bonus[bonus_result.list] = bonus_count

    def contender(name: str, held: int) -> Contender:
        lst = by_name[name]
        person = _next_person(lst.candidates, held_bonus[name] + held)
        return Contender(
            name,
            lst.votes,
            person.birth_date if person else None,
            mean_birth([p.birth_date for p in lst.candidates]),
        )

    to_share = ballot.seats - bonus_count
    allocation: Allocation | None = None
    if eligible:
        allocation = allocate(eligible, to_share, rules.method, rules.ties, contender)
        for gap in allocation.undecided:
            undecided.append(Undecided(gap.seats, gap.between, gap.reason))
    elif to_share > 0:
        undecided.append(
            Undecided(to_share, (), "aucune liste n'atteint le seuil de répartition des sièges")
        )
    seats = {n: held_bonus[n] + (allocation.seats.get(n, 0) if allocation else 0) for n in by_name}
    elected = _elected_in_order(ballot, bonus_result, bonus_count, allocation, notes)
    section_seats: dict[str, dict[str, int]] | None = None
    section_allocations: dict[str, Allocation] = {}
    split: Split | None = None
    if rules.sections:
        split, section_seats, section_allocations, elected, extra = _split_sections(
            ballot, seats, elected, notes
        )
        undecided.extend(extra)
    choices = tuple(
        ChoiceResult(
            lst.name,
            lst.votes,
            seats=seats[lst.name],
            bonus_seats=held_bonus[lst.name],
            eligible=lst.name in eligible,
            elected=seats[lst.name] > 0,
        )
        for lst in ballot.lists
    )
    return replace(
        _result(ballot),
        choices=choices,
        seats=seats,
        elected=tuple(elected),
        undecided=tuple(undecided),
        allocation=allocation,
        bonus=bonus_result,
        section_seats=section_seats,
        section_allocations=section_allocations,
        departmental_split=split,
        notes=tuple(notes),
    )


def _elected_in_order(
    ballot: Ballot,
    bonus: BonusResult | None,
    bonus_count: int,
    allocation: Allocation | None,
    notes: list[str],
) -> list[str]:
    """Candidates in order of election: bonus, seats at the quotient, then seat by seat."""
    by_name: dict[str, PartyList] = {lst.name: lst for lst in ballot.lists}
    taken = dict.fromkeys(by_name, 0)
    order: list[str] = []

    def take(name: str) -> None:
        person = _next_person(by_name[name].candidates, taken[name])
        taken[name] += 1
        if person is not None:
            order.append(person.name)
        elif by_name[name].candidates:
            notes.append(f"La liste « {name} » n'a pas assez de candidats pour ses sièges.")

    if bonus is not None and bonus.list is not None:
        for _ in range(bonus_count):
            take(bonus.list)
    if allocation is not None:
        for lst in sorted(ballot.lists, key=lambda x: (-x.votes, x.name)):
            for _ in range(allocation.at_quotient.get(lst.name, 0)):
                take(lst.name)
        for step in allocation.steps:
            take(step.winner)
    return order


def _split_sections(
    ballot: Ballot, seats: Mapping[str, int], elected: list[str], notes: list[str]
) -> tuple[
    Split, dict[str, dict[str, int]] | None, dict[str, Allocation], list[str], list[Undecided]
]:
    """The departmental split (L338-1) of the lists whose votes per section are given.

    The list-level allocation (bonus, threshold, highest average, L338) needs only the region's
    totals: without any section the result stops there and says so; a list with seats but no
    sections keeps its regional seats unsplit, and is named."""
    if not any(lst.sections for lst in ballot.lists):
        notes.append(
            "Répartition au niveau régional seulement : aucune voix par section départementale "
            "n'a été fournie, les sièges de chaque liste ne sont pas répartis entre ses "
            "sections (Code électoral, art. L338-1)."
        )
        return Split.NONE, None, {}, elected, []
    unsplit = [lst for lst in ballot.lists if not lst.sections and seats[lst.name] > 0]
    section_seats, allocations, by_section, undecided = _sections(ballot, seats, notes)
    if not unsplit:
        return Split.ALL, section_seats, allocations, by_section, undecided
    for lst in unsplit:
        notes.append(
            f"La liste « {lst.name} » n'a pas de voix par section départementale : ses "
            f"{seats[lst.name]} siège(s) sont attribués au niveau régional, sans répartition "
            "entre sections."
        )
    regional_people = {p.name for lst in unsplit for p in lst.candidates}
    by_section += [name for name in elected if name in regional_people]
    return Split.PARTIAL, section_seats, allocations, by_section, undecided


def _sections(
    ballot: Ballot, seats: Mapping[str, int], notes: list[str]
) -> tuple[dict[str, dict[str, int]], dict[str, Allocation], list[str], list[Undecided]]:
    """L338-1: each list's seats shared among its departmental sections (lists with sections)."""
    section_seats: dict[str, dict[str, int]] = {}
    allocations: dict[str, Allocation] = {}
    elected: list[str] = []
    undecided: list[Undecided] = []
    for lst in ballot.lists:
        if not lst.sections:
            continue
        people = lst.section_candidates

        def contender(section: str, held: int, lst: PartyList = lst) -> Contender:
            key = SectionName(section)
            person = _next_person(lst.section_candidates.get(key, ()), held)
            return Contender(section, lst.sections[key], person.birth_date if person else None)

        share = allocate(
            {str(s): v for s, v in lst.sections.items()},
            seats[lst.name],
            ballot.rules.method,
            ballot.rules.ties,
            contender,
        )
        allocations[lst.name] = share
        section_seats[lst.name] = dict(share.seats)
        for gap in share.undecided:
            undecided.append(
                Undecided(gap.seats, tuple(f"{lst.name} / {b}" for b in gap.between), gap.reason)
            )
        for section, count in share.seats.items():
            persons = people.get(SectionName(section), ())
            elected.extend(p.name for p in persons[:count])
            if persons and len(persons) < count:
                notes.append(
                    f"La section « {section} » de la liste « {lst.name} » n'a pas assez de "
                    "candidats."
                )
    return section_seats, allocations, elected, undecided


def count_sectors(ballot: Ballot) -> Result:
    """Paris, Lyon, Marseille (1982 law): each sector is a municipal ballot of its own."""
    results = tuple(count_list_ballot(sector) for sector in ballot.sectors)
    seats: dict[str, int] = {}
    for res in results:
        for name, count in (res.seats or {}).items():
            seats[name] = seats.get(name, 0) + count
    undecided = tuple(
        Undecided(u.seats, tuple(f"{r.name} / {b}" for b in u.between), u.reason)
        for r in results
        for u in r.undecided
    )
    next_rounds = tuple(r.name or "" for r in results if r.next_round is not None)
    return Result(
        kind=Kind.LIST,
        preset=ballot.preset,
        round=ballot.round,
        name=ballot.name,
        seats_total=sum(r.seats_total for r in results),
        registered=sum(r.registered for r in results),
        voters=sum(r.voters for r in results),
        blank=sum(r.blank for r in results),
        null=sum(r.null for r in results),
        votes_cast=sum(r.votes_cast for r in results),
        seats=seats,
        elected=tuple(e for r in results for e in r.elected),
        undecided=undecided,
        sectors=results,
        notes=tuple(f"Second tour nécessaire dans le secteur « {n} »." for n in next_rounds),
        sources=ballot.rules.sources,
    )


def _result(ballot: Ballot) -> Result:
    return Result.of_ballot(ballot, Kind.LIST)
