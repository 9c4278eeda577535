"""An urn's ballots exactly as the record's ``ballots.jsonl`` holds them (docs/protocol.md §11):
one RFC 8785 canonical line per ballot, sorted by tracker, each checked against its tracker.

The closing seal fingerprints these bytes and the tally writes them, so both see the same file.
Read in chunks from the ballot box, never all contents at once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from scrutin.record.writer import ballot_line

from ..ballotbox.models import Ballot
from ..electoral.models import Urn

BALLOTBOX = "ballotbox"
CHUNK = 500


class BallotBoxCorrupt(Exception):
    """A stored ballot whose canonical form does not hash to its tracker (or vanished)."""


def _code(urn: Urn | str) -> str:
    return urn if isinstance(urn, str) else urn.code


def ballot_lines(urn: Urn | str) -> Iterator[bytes]:
    """Each ballot of the urn as its ``ballots.jsonl`` line (newline included), by tracker."""
    box = Ballot.objects.using(BALLOTBOX).filter(urn_code=_code(urn))
    # sorted here, not by the database, so the order never depends on a collation
    trackers = sorted(box.values_list("fingerprint", flat=True).iterator(chunk_size=5000))
    for start in range(0, len(trackers), CHUNK):
        chunk = trackers[start : start + CHUNK]
        contents = dict(box.filter(fingerprint__in=chunk).values_list("fingerprint", "content"))
        for tracker in chunk:
            if tracker not in contents:
                raise BallotBoxCorrupt(f"le bulletin {tracker} a disparu pendant la lecture")
            line = ballot_line(contents[tracker])
            if hashlib.sha256(line).hexdigest() != tracker:
                raise BallotBoxCorrupt(
                    f"le bulletin {tracker} ne correspond plus à son empreinte (suivi)"
                )
            yield line + b"\n"


def ballots_digest(urn: Urn | str) -> tuple[int, str]:
    """Number of ballots and SHA-256 of the urn's ``ballots.jsonl``, without writing it."""
    digest = hashlib.sha256()
    count = 0
    for line in ballot_lines(urn):
        digest.update(line)
        count += 1
    return count, digest.hexdigest()


def write_ballots_file(urn: Urn | str, path: Path) -> tuple[int, str]:
    """Write the urn's ``ballots.jsonl`` to ``path`` (atomically: temporary file, then rename)
    and return its number of ballots and SHA-256."""
    digest = hashlib.sha256()
    count = 0
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        for line in ballot_lines(urn):
            f.write(line)
            digest.update(line)
            count += 1
    os.replace(tmp, path)
    return count, digest.hexdigest()
