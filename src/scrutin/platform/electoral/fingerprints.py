"""Count and fingerprint of each urn's electors list (CCTP 4.1.2 control list; the urn seal).

The fingerprint is SHA-256 over the canonical rows (the 37 stored values joined by U+001F,
newline-terminated, UTF-8) in file order, electors added later last by number — the same bytes
as at import. Computing it reads every elector of the urn, so it is done when the list changes
(``refresh``: the electors import, each CELE or court decision, the urn seal) and stored in
:class:`ListFingerprint`; the control list only reads the stored values (``stored``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import F, Max
from django.utils import timezone

from .annex7 import electors as annex_electors
from .annex7.electors import canonical_row
from .models import Elector, ListFingerprint, Urn

Print = tuple[int, str]


def urn_fingerprint(urn: Urn, electors: Any = None) -> Print:
    """Count and fingerprint of an urn's list as stored now, computed from every row
    (``electors``: the manager to read them with, a migration's historical one)."""
    digest = hashlib.sha256()
    count = 0
    rows = (
        (electors or Elector.objects)
        .filter(urn_id=urn.id)
        .order_by(F("source_line").asc(nulls_last=True), "number")
        .values_list(*annex_electors.FIELDS)
    )
    for values in rows.iterator(chunk_size=5000):
        digest.update(canonical_row(list(values)))
        count += 1
    return count, digest.hexdigest()


def refresh(urns: Iterable[Urn]) -> dict[int, Print]:
    """Recompute and store the count and fingerprint of these urns' lists (call it inside the
    transaction that changed them, so the stored values change with the list)."""
    return store({urn.id: urn_fingerprint(urn) for urn in urns})


def store(prints: dict[int, Print]) -> dict[int, Print]:
    """Store counts and fingerprints computed from exactly the rows each urn now holds (the
    electors import hashes them as it copies them: the same bytes, in the same order)."""
    now = timezone.now()
    for urn_id, (count, sha256) in prints.items():
        ListFingerprint.objects.update_or_create(
            urn_id=urn_id, defaults={"count": count, "sha256": sha256, "computed_at": now}
        )
    return prints


def stored(urns: Iterable[Urn]) -> dict[int, Print]:
    """The stored count and fingerprint of these urns' lists; an urn without stored values (a
    list written before they were kept) has them computed and stored once."""
    urns = list(urns)
    found = {
        urn_id: (count, sha256)
        for urn_id, count, sha256 in ListFingerprint.objects.filter(
            urn_id__in=[u.id for u in urns]
        ).values_list("urn_id", "count", "sha256")
    }
    missing = [u for u in urns if u.id not in found]
    return found | (refresh(missing) if missing else {})


def counts_by_cci(cci_codes: Iterable[str] | None = None) -> dict[str, int]:
    """Electors of each CCI (all of them when ``cci_codes`` is None), summed from the stored
    counts of its urns' lists: no count of two million rows on a national page."""
    urns = (
        Urn.objects.all() if cci_codes is None else Urn.objects.filter(cci_id__in=list(cci_codes))
    )
    listed = list(urns)
    out: dict[str, int] = {}
    by_id = {u.id: u.cci_id for u in listed}
    for urn_id, (count, _) in stored(listed).items():
        out[by_id[urn_id]] = out.get(by_id[urn_id], 0) + count
    return out


def changed_at_by_cci(cci_codes: Iterable[str]) -> dict[str, datetime]:
    """When each CCI's list last changed (its urns' stored values last written)."""
    return dict(
        ListFingerprint.objects.filter(urn__cci_id__in=list(cci_codes))
        .values_list("urn__cci_id")
        .annotate(last=Max("computed_at"))
        .order_by()
    )
