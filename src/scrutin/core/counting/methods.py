"""Proportional seat allocation: highest average (D'Hondt), Sainte-Laguë, largest remainder (Hare).

Each function returns the full step-by-step table a procès-verbal shows: the electoral quotient,
the seats won at the quotient, then for every further seat the averages (or remainders) compared
and who took it. All arithmetic is on integers and :class:`~fractions.Fraction`.

The French "quotient, then highest average" procedure gives exactly the D'Hondt result: the
quotient phase never gives a list more seats than D'Hondt would, and the highest-average phase
completes it (a property test checks this against the plain divisor sequence).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.rules import Method, TieRule
from scrutin.core.counting.ties import Contender, break_tie

ContenderFactory = Callable[[str, int], Contender]
"""Builds the tie-break view of a list given its name and the seats it already holds."""


@dataclass(frozen=True)
class Step:
    """One seat of the table."""

    seat: int
    """Rank of the seat among those the method allocated (1-based)."""
    phase: str
    """``quotient``, ``average`` or ``remainder``."""
    values: Mapping[str, Fraction]
    """Averages (or remainders) of every list competing for this seat."""
    winner: str
    tied: tuple[str, ...] = ()
    decided_by: tuple[TieRule, ...] = ()


@dataclass(frozen=True)
class UndecidedSeats:
    """Seats the declared tie rules could not attribute."""

    seats: int
    between: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Allocation:
    method: Method
    total_seats: int
    quotient: Fraction | None
    at_quotient: Mapping[str, int]
    seats: Mapping[str, int]
    steps: tuple[Step, ...] = ()
    undecided: tuple[UndecidedSeats, ...] = field(default_factory=tuple)


def _default_contender(name: str, _held: int, votes: Mapping[str, int]) -> Contender:
    return Contender(name=name, votes=votes[name])


def _check(votes: Mapping[str, int], seats: int) -> None:
    if seats < 0:
        raise CountingInputError(f"Le nombre de sièges à répartir est négatif ({seats}).")
    for name, count in votes.items():
        if count < 0:
            raise CountingInputError(f"Le nombre de voix de « {name} » est négatif ({count}).")


def _divisor(method: Method, held: int) -> int:
    return 2 * held + 1 if method is Method.SAINTE_LAGUE else held + 1


def allocate(
    votes: Mapping[str, int],
    seats: int,
    method: Method = Method.HIGHEST_AVERAGE,
    ties: Sequence[TieRule] = (TieRule.MOST_VOTES, TieRule.OLDEST),
    contender: ContenderFactory | None = None,
) -> Allocation:
    """Share ``seats`` among ``votes`` by ``method``; ties for the last seats by ``ties``."""
    _check(votes, seats)

    def make(name: str, held: int) -> Contender:
        if contender is None:
            return _default_contender(name, held, votes)
        return contender(name, held)

    if method is Method.LARGEST_REMAINDER:
        return _largest_remainder(votes, seats, ties, make)
    return _divisor_method(votes, seats, method, ties, make)


def _divisor_method(
    votes: Mapping[str, int],
    seats: int,
    method: Method,
    ties: Sequence[TieRule],
    make: ContenderFactory,
) -> Allocation:
    total = sum(votes.values())
    held = dict.fromkeys(votes, 0)
    quotient: Fraction | None = None
    if method is Method.HIGHEST_AVERAGE and total > 0 and seats > 0:
        quotient = Fraction(total, seats)
        for name, count in votes.items():
            held[name] = count * seats // total
    at_quotient = dict(held)
    steps: list[Step] = []
    undecided: list[UndecidedSeats] = []
    remaining = seats - sum(held.values())
    rank = sum(held.values())
    while remaining > 0 and votes:
        averages = {n: Fraction(votes[n], _divisor(method, held[n])) for n in votes}
        best = max(averages.values())
        tied = sorted((n for n, a in averages.items() if a == best), key=lambda n: (-votes[n], n))
        if len(tied) <= remaining:
            winner = tied[0]
            held[winner] += 1
            rank += 1
            remaining -= 1
            steps.append(Step(rank, "average", averages, winner))
            continue
        outcome = break_tie([make(n, held[n]) for n in tied], remaining, ties)
        for winner in outcome.chosen:
            held[winner] += 1
            rank += 1
            remaining -= 1
            steps.append(Step(rank, "average", averages, winner, tuple(tied), outcome.decided_by))
        if outcome.undecided_seats:
            undecided.append(
                UndecidedSeats(
                    outcome.undecided_seats,
                    outcome.undecided,
                    "égalité de moyenne non départagée par les règles déclarées",
                )
            )
        break
    return Allocation(method, seats, quotient, at_quotient, held, tuple(steps), tuple(undecided))


def _largest_remainder(
    votes: Mapping[str, int],
    seats: int,
    ties: Sequence[TieRule],
    make: ContenderFactory,
) -> Allocation:
    total = sum(votes.values())
    held = dict.fromkeys(votes, 0)
    if total == 0 or seats == 0:
        quotient = None
        remainders = {n: Fraction(0) for n in votes}
    else:
        quotient = Fraction(total, seats)
        for name, count in votes.items():
            held[name] = count * seats // total
        remainders = {n: votes[n] - held[n] * quotient for n in votes}
    at_quotient = dict(held)
    remaining = seats - sum(held.values())
    rank = sum(held.values())
    steps: list[Step] = []
    undecided: list[UndecidedSeats] = []
    ordered = sorted(remainders.values(), reverse=True)
    if remaining > 0 and ordered:
        cutoff = ordered[min(remaining, len(ordered)) - 1]
        above = sorted(
            (n for n in votes if remainders[n] > cutoff), key=lambda n: (-remainders[n], n)
        )
        at_cutoff = sorted(n for n in votes if remainders[n] == cutoff)
        for winner in above:
            held[winner] += 1
            rank += 1
            steps.append(Step(rank, "remainder", remainders, winner))
        left = remaining - len(above)
        outcome = break_tie([make(n, held[n]) for n in at_cutoff], left, ties)
        for winner in outcome.chosen:
            held[winner] += 1
            rank += 1
            decided = outcome.decided_by if len(at_cutoff) > left else ()
            tied = tuple(at_cutoff) if len(at_cutoff) > left else ()
            steps.append(Step(rank, "remainder", remainders, winner, tied, decided))
        if outcome.undecided_seats:
            undecided.append(
                UndecidedSeats(
                    outcome.undecided_seats,
                    outcome.undecided,
                    "égalité de reste non départagée par les règles déclarées",
                )
            )
    return Allocation(
        Method.LARGEST_REMAINDER,
        seats,
        quotient,
        at_quotient,
        held,
        tuple(steps),
        tuple(undecided),
    )


def divisor_sequence(votes: Mapping[str, int], seats: int, method: Method) -> dict[str, int]:
    """Reference divisor allocation without quotient phase nor tie handling (for tests).

    Ties are broken by name; callers compare results only where no tie occurs.
    """
    _check(votes, seats)
    held = dict.fromkeys(votes, 0)
    for _ in range(seats):
        if not votes:
            break
        winner = max(
            votes,
            key=lambda n: (Fraction(votes[n], _divisor(method, held[n])), votes[n], n),
        )
        held[winner] += 1
    return held
