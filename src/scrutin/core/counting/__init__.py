"""Counting and seat allocation for every election of the seeds (framework-free).

``parse_ballot`` reads the JSON schema of ``docs/counting.md``, ``count`` applies the rules and
``result_to_json`` renders the result; invalid input raises :class:`CountingInputError` with a
French message.
"""

from __future__ import annotations

from scrutin.core.counting.count import count
from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.io import count_json, parse_ballot, result_to_json
from scrutin.core.counting.model import Ballot, Candidate, PartyList, Person, Question
from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.result import Result

__all__ = [
    "PRESETS",
    "Ballot",
    "Candidate",
    "CountingInputError",
    "PartyList",
    "Person",
    "Question",
    "Result",
    "count",
    "count_json",
    "parse_ballot",
    "result_to_json",
]
