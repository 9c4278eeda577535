"""Named parameters of a counting rule: method, thresholds, bonus, round conditions, tie rules.

Every field is data, so that a change in the law is a new preset (``presets.py``), not new code.
Quotients, fractions and thresholds are :class:`fractions.Fraction`: no float takes part in a
decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class Kind(StrEnum):
    """The family of the election, which selects the counting procedure."""

    LIST = "list"
    """Proportional list vote, optionally with a majority bonus and departmental sections."""
    MAJORITY = "majority"
    """Uninominal or plurinominal majority vote, in one or several rounds."""
    CCI = "cci"
    """Chambers of commerce: plurinominal majority in one round, R713-27 double election."""
    REFERENDUM = "referendum"


class Method(StrEnum):
    """How seats are shared in proportion to votes."""

    HIGHEST_AVERAGE = "highest-average"
    """D'Hondt: quotient then highest average (divisors 1, 2, 3, …)."""
    SAINTE_LAGUE = "sainte-lague"
    """Divisors 1, 3, 5, …"""
    LARGEST_REMAINDER = "largest-remainder"
    """Hare quota (votes / seats), then largest remainders."""


class Base(StrEnum):
    """What a threshold is a fraction of."""

    VOTES_CAST = "votes_cast"
    REGISTERED = "registered"


class Rounding(StrEnum):
    """How a fractional bonus is turned into seats."""

    UP = "up"
    DOWN = "down"
    L262 = "l262"
    """Code électoral L262: upper integer when more than four seats, lower when fewer than four."""


class TieRule(StrEnum):
    """One step of a tie-break, applied in the declared order."""

    MOST_VOTES = "most-votes"
    """The list (or section) with the most votes wins the tied seat."""
    OLDEST = "oldest"
    """The oldest candidate (for a list: the oldest of the candidates who would take the seat)."""
    HIGHEST_AVERAGE_AGE = "highest-average-age"
    """The list whose candidates have the highest average age (bonus ties, L262, L338)."""


@dataclass(frozen=True)
class Threshold:
    """Minimum share of votes; a count at or above ``fraction × base`` passes."""

    fraction: Fraction
    base: Base = Base.VOTES_CAST


@dataclass(frozen=True)
class Bonus:
    """Majority bonus (prime majoritaire) of a list election."""

    fraction: Fraction
    rounding: Rounding
    ties: tuple[TieRule, ...] = (TieRule.HIGHEST_AVERAGE_AGE,)
    """Ties between the leading lists for the bonus (round 2)."""
    first_round_absolute_majority: bool = True
    """In round 1 only a list with the absolute majority of votes cast takes the bonus (and the
    election is then complete); otherwise there is a round 2."""


@dataclass(frozen=True)
class Majority:
    """Conditions of a majority vote, round by round."""

    absolute_majority_rounds: int = 1
    """Rounds 1..n require the absolute majority of votes cast (0: never, e.g. CCI)."""
    first_round_registered: Fraction = Fraction(0)
    """In round 1 the winner also needs this share of registered electors (1/4 in the Code
    électoral)."""
    last_round: int = 2
    """Number of rounds; in the last one the relative majority suffices."""
    qualification: Threshold | None = None
    """Threshold to stand in round 2 (12.5 % of registered for legislative and departmental)."""
    qualification_minimum: int = 0
    """If fewer candidates pass the threshold, the best ones are added up to this number."""
    qualification_maximum: int | None = None
    """Presidential election: only the two leading candidates go to round 2."""
    ties: tuple[TieRule, ...] = (TieRule.OLDEST,)


@dataclass(frozen=True)
class Referendum:
    """Adoption rule of a referendum question."""

    quorum: Fraction = Fraction(0)
    """Share of registered electors who must vote for the result to count (local referendum:
    1/2, CGCT LO1112-7); 0 for the national referendum."""


@dataclass(frozen=True)
class Rules:
    """Everything needed to count one ballot."""

    kind: Kind
    method: Method = Method.HIGHEST_AVERAGE
    threshold: Threshold | None = None
    """Lists below it take no seat (5 % of votes cast for municipal, regional, European)."""
    bonus: Bonus | None = None
    ties: tuple[TieRule, ...] = (TieRule.MOST_VOTES, TieRule.OLDEST)
    """Ties for the last seat at the highest average (or remainder)."""
    majority: Majority | None = None
    referendum: Referendum | None = None
    sections: bool = False
    """Share each list's seats among its departmental sections (regional, L338-1)."""
    double_election: bool = False
    """CCI: the CCIR ballot also elects to the CCIT (Code de commerce R713-27)."""
    round_two_threshold: Threshold | None = None
    """List elections: share of votes cast needed to stand in round 2 (10 % municipal, regional)."""
    sources: tuple[str, ...] = ()
    """Legal sources of the parameters, for the result and the documentation."""
