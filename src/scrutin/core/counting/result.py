"""The result of a count: every figure a procès-verbal needs, as plain frozen data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from scrutin.core.counting.methods import Allocation
from scrutin.core.counting.rules import Kind, TieRule

if TYPE_CHECKING:
    from scrutin.core.counting.model import Ballot


@dataclass(frozen=True)
class ChoiceResult:
    """One list or one candidate, with its votes and what it obtained."""

    name: str
    votes: int
    list: str | None = None
    seats: int | None = None
    bonus_seats: int = 0
    elected: bool = False
    qualified: bool = False
    eligible: bool | None = None
    """List elections: whether the list reached the threshold for seat allocation."""
    base_votes_cast: int | None = None
    """Votes cast of the ballot the percentages refer to (CCIR candidates: the CCIR ballot)."""


@dataclass(frozen=True)
class Undecided:
    """Seats (or round-2 places) the declared rules could not attribute."""

    seats: int
    between: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class BonusResult:
    list: str | None
    seats: int
    tied: tuple[str, ...] = ()
    decided_by: tuple[TieRule, ...] = ()


class Split(StrEnum):
    """Regional elections: how far the departmental split (L338-1) could go."""

    ALL = "all"
    """Every list with seats had its votes per section: its seats are shared among them."""
    PARTIAL = "partial"
    """Some lists with seats had no votes per section: their seats stay regional."""
    NONE = "none"
    """Region-wide totals only: the list-level allocation (L338) without any split."""


@dataclass(frozen=True)
class QuestionResult:
    name: str
    yes: int
    no: int
    blank: int
    null: int
    adopted: bool
    quorum_reached: bool


@dataclass(frozen=True)
class Result:
    kind: Kind
    preset: str | None
    round: int
    seats_total: int
    registered: int
    voters: int
    blank: int
    null: int
    votes_cast: int
    name: str | None = None
    choices: tuple[ChoiceResult, ...] = ()
    other_votes: int = 0
    seats: Mapping[str, int] | None = None
    elected: tuple[str, ...] = ()
    qualified: tuple[str, ...] | None = None
    undecided: tuple[Undecided, ...] = ()
    allocation: Allocation | None = None
    bonus: BonusResult | None = None
    next_round: int | None = None
    section_seats: Mapping[str, Mapping[str, int]] | None = None
    section_allocations: Mapping[str, Allocation] = field(default_factory=dict)
    departmental_split: Split | None = None
    """Regional elections only: whether the seats were split among departmental sections."""
    sectors: tuple[Result, ...] = ()
    regional: Result | None = None
    substitutes_elected: tuple[str, ...] = ()
    questions: tuple[QuestionResult, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @classmethod
    def of_ballot(
        cls, ballot: Ballot, kind: Kind, *, round: int | None = None, votes_cast: int | None = None
    ) -> Result:
        """The figures every result takes from its ballot; the caller adds what it decided."""
        return cls(
            kind=kind,
            preset=ballot.preset,
            round=ballot.round if round is None else round,
            name=ballot.name,
            seats_total=ballot.seats,
            registered=ballot.registered,
            voters=ballot.voters,
            blank=ballot.blank,
            null=ballot.null,
            votes_cast=ballot.votes_cast if votes_cast is None else votes_cast,
            other_votes=ballot.other_votes,
            sources=ballot.rules.sources,
        )
