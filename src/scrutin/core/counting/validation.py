"""Consistency checks shared by every count, with French messages for the operator."""

from __future__ import annotations

from collections.abc import Iterable

from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.model import Ballot


def check_totals(ballot: Ballot) -> None:
    """Registered ≥ voters ≥ blank + null, all non-negative, seats ≥ 0."""
    for label, value in (
        ("inscrits", ballot.registered),
        ("votants", ballot.voters),
        ("bulletins blancs", ballot.blank),
        ("bulletins nuls", ballot.null),
        ("voix non détaillées", ballot.other_votes),
    ):
        if value < 0:
            raise CountingInputError(f"Le nombre de {label} est négatif ({value}).")
    if ballot.seats < 0:
        raise CountingInputError(f"Le nombre de sièges est négatif ({ballot.seats}).")
    if ballot.voters > ballot.registered:
        raise CountingInputError(
            f"Il y a plus de votants ({ballot.voters}) que d'inscrits ({ballot.registered})."
        )
    if ballot.blank + ballot.null > ballot.voters:
        raise CountingInputError(
            f"Les bulletins blancs et nuls ({ballot.blank + ballot.null}) dépassent le nombre "
            f"de votants ({ballot.voters})."
        )
    if ballot.round < 1:
        raise CountingInputError(f"Le numéro de tour doit être au moins 1 ({ballot.round}).")


def check_names(names: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if not name.strip():
            raise CountingInputError(f"Un nom de {what} est vide.")
        if name in seen:
            raise CountingInputError(f"Le nom de {what} « {name} » apparaît deux fois.")
        seen.add(name)


def check_votes(name: str, votes: int) -> None:
    if votes < 0:
        raise CountingInputError(f"Le nombre de voix de « {name} » est négatif ({votes}).")


def check_exact_sum(total: int, votes_cast: int, what: str) -> None:
    """Single-choice ballots: the votes of all choices make exactly the votes cast."""
    if total > votes_cast:
        raise CountingInputError(
            f"Les voix des {what} ({total}) dépassent les suffrages exprimés ({votes_cast})."
        )
    if total < votes_cast:
        raise CountingInputError(
            f"Les voix des {what} ({total}) n'atteignent pas les suffrages exprimés "
            f"({votes_cast}) ; indiquez les voix restantes dans « other_votes »."
        )
