"""The input of a count: one ballot (one election, one round), as plain frozen data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NewType

from scrutin.core.counting.rules import Rules

CandidateName = NewType("CandidateName", str)
ListName = NewType("ListName", str)
SectionName = NewType("SectionName", str)


@dataclass(frozen=True)
class Person:
    """A candidate on a list, a substitute (suppléant) or a member of a binôme."""

    name: CandidateName
    birth_date: date | None = None


@dataclass(frozen=True)
class Candidate:
    """A candidate voted for by name (majority systems, CCI)."""

    name: CandidateName
    votes: int
    birth_date: date | None = None
    list: ListName | None = None
    """The groupement (CCI) or list the candidate stands with, if any."""
    substitute: Person | None = None
    """The suppléant of a CCIR candidate (Code de commerce R713-27)."""


@dataclass(frozen=True)
class PartyList:
    """A list in a list election, its candidates in order of presentation."""

    name: ListName
    votes: int
    candidates: tuple[Person, ...] = ()
    sections: Mapping[SectionName, int] = field(default_factory=dict)
    """Votes per departmental section (regional election, Code électoral L338-1)."""
    section_candidates: Mapping[SectionName, tuple[Person, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """One referendum question."""

    name: str
    yes: int
    no: int
    blank: int = 0
    null: int = 0


@dataclass(frozen=True)
class Ballot:
    """One round of one election: the figures of the procès-verbal and the rules to apply."""

    rules: Rules
    preset: str | None = None
    round: int = 1
    seats: int = 1
    registered: int = 0
    voters: int = 0
    blank: int = 0
    null: int = 0
    lists: tuple[PartyList, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    other_votes: int = 0
    """Votes cast for lists or candidates not detailed in the input (all below any threshold)."""
    questions: tuple[Question, ...] = ()
    regional: Ballot | None = None
    """CCI: the regional-chamber (CCIR) ballot of the same category (R713-27)."""
    sectors: tuple[Ballot, ...] = ()
    """Paris, Lyon, Marseille: one ballot per sector."""
    name: str | None = None

    @property
    def votes_cast(self) -> int:
        """Suffrages exprimés: voters minus blank and null ballots."""
        return self.voters - self.blank - self.null
