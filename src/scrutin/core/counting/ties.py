"""Declared tie-break rules, applied in order; what they cannot settle is reported, never guessed.

A tie matters only when more contenders share the same standing than there are seats left for
them. The rules are applied one after the other to the remaining tied group; when the rules are
exhausted (or a rule lacks data, e.g. an unknown birth date) the remaining contenders and the
number of seats they compete for are returned as *undecided*, for the commission to settle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from scrutin.core.counting.rules import TieRule


@dataclass(frozen=True)
class Contender:
    """What the tie rules may look at for one tied list, section or candidate."""

    name: str
    votes: int
    birth_date: date | None = None
    """For a candidate: their birth date; for a list: the birth date of the candidate who would
    take the seat ("le plus âgé des candidats susceptibles d'être proclamés élus")."""
    average_birth: Fraction | None = None
    """For a list: the mean birth date (as a proleptic ordinal) of all its candidates; the
    earliest mean is the highest average age."""


@dataclass(frozen=True)
class TieOutcome:
    chosen: tuple[str, ...]
    """Contenders who win a seat, best first."""
    undecided: tuple[str, ...] = ()
    """Contenders still tied once every rule has been applied."""
    undecided_seats: int = 0
    """How many seats those undecided contenders compete for."""
    decided_by: tuple[TieRule, ...] = ()
    """Rules that were needed to decide."""


def _key(rule: TieRule) -> Callable[[Contender], int | Fraction | None]:
    if rule is TieRule.MOST_VOTES:
        return lambda c: -c.votes
    if rule is TieRule.OLDEST:
        return lambda c: None if c.birth_date is None else c.birth_date.toordinal()
    return lambda c: c.average_birth


def _groups(pool: Sequence[Contender], rule: TieRule) -> list[list[Contender]] | None:
    """Contenders grouped by equal standing under ``rule``, best first; None if data is missing."""
    key = _key(rule)
    keyed: list[tuple[int | Fraction, Contender]] = []
    for contender in pool:
        value = key(contender)
        if value is None:
            return None
        keyed.append((value, contender))
    keyed.sort(key=lambda pair: pair[0])
    groups: list[list[Contender]] = []
    last: int | Fraction | None = None
    for value, contender in keyed:
        if groups and value == last:
            groups[-1].append(contender)
        else:
            groups.append([contender])
        last = value
    return groups


def break_tie(contenders: Sequence[Contender], seats: int, rules: Sequence[TieRule]) -> TieOutcome:
    """Choose ``seats`` of the tied ``contenders`` by the declared ``rules``."""
    if seats >= len(contenders):
        return TieOutcome(chosen=tuple(c.name for c in contenders))
    chosen: list[str] = []
    pool = list(contenders)
    needed = seats
    used: list[TieRule] = []
    for rule in rules:
        if needed == 0:
            break
        groups = _groups(pool, rule)
        if groups is None:
            break
        used.append(rule)
        pool = []
        for group in groups:
            if len(group) <= needed:
                chosen.extend(c.name for c in group)
                needed -= len(group)
                if needed == 0:
                    break
            else:
                pool = group
                break
        if not pool:
            break
    if needed == 0:
        return TieOutcome(chosen=tuple(chosen), decided_by=tuple(used))
    return TieOutcome(
        chosen=tuple(chosen),
        undecided=tuple(sorted(c.name for c in pool)),
        undecided_seats=needed,
        decided_by=tuple(used),
    )


def mean_birth(people_birth_dates: Sequence[date | None]) -> Fraction | None:
    """Mean birth date as an exact ordinal, or None if any date is unknown or there is none."""
    if not people_birth_dates or any(d is None for d in people_birth_dates):
        return None
    return Fraction(
        sum(d.toordinal() for d in people_birth_dates if d is not None), len(people_birth_dates)
    )
