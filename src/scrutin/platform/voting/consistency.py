"""After a restore of the databases (docs/ops.md "Backups and point-in-time restore"): settle
the casts the restore point cut in the middle, then compare, urn by urn, the ballots of the
ballot box with the émargements (R713-24: they must be equal before the vote reopens).

A cast writes its intent (``default``), then its ballot (``ballotbox``), then its émargement
(``default``): restoring both databases to the same moment can stop a cast between two of those
commits. ``recover`` finishes it (ballot stored: the émargement is written) or drops it; what
is left must then match exactly. A difference means the two databases were not restored to the
same moment (clocks apart, different targets): do not reopen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count

from ..ballotbox.models import Ballot
from .cast import recover
from .models import CastIntent, Emargement

BALLOTBOX = "ballotbox"


@dataclass(frozen=True)
class UrnCount:
    code: str
    ballots: int
    emargements: int

    @property
    def ok(self) -> bool:
        return self.ballots == self.emargements


@dataclass(frozen=True)
class RestoreCheck:
    recovered: dict[str, int]
    urns: list[UrnCount]
    pending: int  # cast intents left (a cast still running: the application is not stopped)

    @property
    def ok(self) -> bool:
        return self.pending == 0 and all(u.ok for u in self.urns)


def check_after_restore() -> RestoreCheck:
    """Settle every interrupted cast at once (the application must be stopped), then count.
    Urns with neither ballot nor émargement are left out."""
    recovered = recover(older_than=timedelta(0))
    ballots = dict(
        Ballot.objects.using(BALLOTBOX).values_list("urn_code").annotate(n=Count("fingerprint"))
    )
    emargements = dict(
        Emargement.objects.values_list("urn__code").annotate(n=Count("elector_number"))
    )
    codes = sorted(set(ballots) | set(emargements))
    urns = [UrnCount(code, ballots.get(code, 0), emargements.get(code, 0)) for code in codes]
    return RestoreCheck(recovered, urns, CastIntent.objects.count())
