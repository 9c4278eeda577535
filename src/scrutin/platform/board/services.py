"""The public ballot board (issue 17): what is published of an urn once its vote is closed.

Nothing of an urn appears before its closing (``sealing.UrnClosing``): then the number of
ballots in the box and the tracker lookup; once its tally is done, also the whole public record
(``registre-<urn>.zip``: ballots with their trackers, aggregation, partial decryptions, result,
seals — docs/protocol.md §11), which ``scrutin verify`` checks. A tracker is the ballot's
fingerprint, the primary key of the ballot box: looking one up is one indexed query and teaches
nothing about any other ballot (2^256 possible values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache

from ...frenchdates import long_date
from ..ballotbox.models import Ballot
from ..electoral.models import Urn
from ..sealing.models import UrnClosing
from ..tally import services as tally

TRACKER = re.compile(r"^[0-9a-f]{64}$")
MAX_TRACKER_INPUT = 200
COUNT_SECONDS = 60


@dataclass(frozen=True)
class Published:
    urn: Urn
    closed_at: datetime
    ballots: int
    results: dict[str, Any] | None

    @property
    def tallied(self) -> bool:
        return self.results is not None

    @property
    def closed_words(self) -> str:
        return long_date(self.closed_at)

    @property
    def name(self) -> str:
        from ..voting.receipts import election_name

        return election_name(self.urn.code)


def normalise_tracker(text: str) -> str | None:
    """The tracker as the receipt prints it (groups of eight, any case, spaces, dashes, line
    breaks) → 64 lowercase hex characters, or ``None`` when it cannot be one."""
    if len(text) > MAX_TRACKER_INPUT:
        return None
    compact = re.sub(r"[\s\-_.:]", "", text).lower()
    return compact if TRACKER.match(compact) else None


def _count(urn: Urn) -> int:
    key = f"board:count:{urn.code}"
    found = cache.get(key)
    if found is None:
        found = Ballot.objects.filter(urn_code=urn.code).count()
        cache.set(key, found, COUNT_SECONDS)
    return int(found)


def _from_closing(closing: UrnClosing) -> Published:
    urn = closing.urn
    results = tally.results_of(urn)
    ballots = int(results["ballot_count"]) if results and "ballot_count" in results else _count(urn)
    return Published(urn, closing.closed_at, ballots, results)


def published(urn: Urn) -> Published | None:
    """The urn as the public may see it, or ``None`` while its vote is not closed."""
    closing = UrnClosing.objects.select_related("urn").filter(urn=urn).first()
    return _from_closing(closing) if closing is not None else None


def published_urns() -> list[Published]:
    closings = UrnClosing.objects.select_related("urn__cci").order_by("urn__code")
    return [_from_closing(c) for c in closings]


def ballot_in_box(urn: Urn, tracker: str) -> bool:
    return Ballot.objects.filter(urn_code=urn.code, fingerprint=tracker).exists()
