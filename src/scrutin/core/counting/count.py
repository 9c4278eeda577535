"""Entry point: count one ballot according to its rules."""

from __future__ import annotations

from scrutin.core.counting.cci import count_cci_ballot
from scrutin.core.counting.lists import count_list_ballot
from scrutin.core.counting.majority import count_majority_ballot
from scrutin.core.counting.model import Ballot
from scrutin.core.counting.referendum import count_referendum_ballot
from scrutin.core.counting.result import Result
from scrutin.core.counting.rules import Kind


def count(ballot: Ballot) -> Result:
    """Apply ``ballot.rules`` to the figures of ``ballot``."""
    kind = ballot.rules.kind
    if kind is Kind.CCI:
        return count_cci_ballot(ballot)
    if kind is Kind.MAJORITY:
        return count_majority_ballot(ballot)
    if kind is Kind.REFERENDUM:
        return count_referendum_ballot(ballot)
    return count_list_ballot(ballot)
