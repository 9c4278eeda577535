"""The machine's journal (RT 46, 48): every event, dated by the machine's clock, in plain French,
hash-chained, written durably to both copies before the action is reported as done.

Each line of ``journal.jsonl`` is the canonical JSON of::

    {"seq": n, "at": "2027-03-14T08:00:03+01:00", "event": "vote:stored", "role": "président",
     "text": "Vote enregistré au terminal 1 pour le scrutin « municipales ».",
     "data": {...}, "prev": "<hash of line n-1>", "hash": "<SHA-256 of this entry without hash>"}

The journal is also the machine's state: :class:`scrutin.machine.core.machine.Machine` replays it
at start-up, so a restart resumes exactly where the last durable event left it (RT 57, 68). A
voter's choice is never in it (RT 65); neither is the slot where a ballot went (RT 66).

A torn last line (power cut during a write) is detected on reading and dropped from both copies
(it was never acknowledged); any other damage is an error that names the copy and the line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import canonical_json

GENESIS = "0" * 64
MAX_LINE = 1 << 20


class JournalError(RuntimeError):
    """The journal is damaged; the message is French and names the copy and line."""


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    event: str
    role: str
    text: str
    data: dict[str, Any]
    prev: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "event": self.event,
            "role": self.role,
            "text": self.text,
            "data": self.data,
            "prev": self.prev,
            "hash": self.hash,
        }


def entry_hash(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _parse(line: bytes, where: str, seq: int, prev: str) -> Entry:
    try:
        doc = json.loads(line)
        entry = Entry(**doc)
    except (ValueError, TypeError) as exc:
        raise JournalError(f"{where} : ligne {seq + 1} illisible.") from exc
    if entry.seq != seq or entry.prev != prev or entry.hash != entry_hash(doc):
        raise JournalError(f"{where} : ligne {seq + 1} modifiée ou hors chaîne.")
    return entry


def read_entries(path: Path) -> tuple[list[Entry], int]:
    """Entries of one copy and the byte length of its valid part. A last line without its
    newline (torn write) is left out; damage before it raises :class:`JournalError`."""
    entries: list[Entry] = []
    prev, valid = GENESIS, 0
    if not path.exists():
        return entries, 0
    with path.open("rb") as f:
        while True:
            line = f.readline(MAX_LINE + 1)
            if not line:
                break
            if not line.endswith(b"\n"):
                break  # torn last write: never acknowledged
            entry = _parse(line, str(path), len(entries), prev)
            entries.append(entry)
            prev, valid = entry.hash, valid + len(line)
    return entries, valid


class Journal:
    """Append-only journal kept in several copies (internal storage, removable medium)."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self.entries: list[Entry] = []
        self.repaired: list[str] = []
        self._load()

    def _load(self) -> None:
        copies = {name: read_entries(p) for name, p in self.paths.items()}
        longest = max(copies, key=lambda n: len(copies[n][0]))
        entries = copies[longest][0]
        for name, (other, valid) in copies.items():
            if other != entries[: len(other)]:
                raise JournalError(
                    f"Les copies du journal divergent ({name}) : elles ont été modifiées."
                )
            path = self.paths[name]
            good = copies[longest][1]
            if len(other) < len(entries) or (path.exists() and path.stat().st_size != valid):
                # Bring this copy up to the longest complete one (torn tail or missed write).
                data = self.paths[longest].read_bytes()[:good]
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_bytes(data)
                with tmp.open("rb+") as f:
                    os.fsync(f.fileno())
                tmp.replace(path)
                self.repaired.append(name)
        self.entries = entries

    @property
    def head(self) -> str:
        return self.entries[-1].hash if self.entries else GENESIS

    def append(
        self, at: str, event: str, role: str, text: str, data: dict[str, Any] | None = None
    ) -> Entry:
        doc: dict[str, Any] = {
            "seq": len(self.entries),
            "at": at,
            "event": event,
            "role": role,
            "text": text,
            "data": data or {},
            "prev": self.head,
        }
        doc["hash"] = entry_hash(doc)
        line = canonical_json(doc) + b"\n"
        if len(line) > MAX_LINE:
            raise JournalError("Événement trop long pour le journal.")
        for path in self.paths.values():
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fdatasync(fd)
            finally:
                os.close(fd)
        entry = Entry(**doc)
        self.entries.append(entry)
        return entry

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)
