"""Framework-free journals for the verifier tests: entries chained with the documented
equations and checkpoints signed with a throw-away Ed25519 key."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import nacl.signing

from scrutin.crypto.encoding import canonical_json
from scrutin.verify.journal import (
    EXPORT_FORMAT,
    GENESIS_HASH,
    JournalExport,
    checkpoint_document,
    entry_hash,
)

EVENTS = ("accounts:user:login", "electors:file:import-complete", "operator:platform:access")


@dataclass
class Journal:
    key: nacl.signing.SigningKey
    entries: list[dict[str, Any]]
    checkpoints: list[dict[str, Any]]

    @property
    def public_key(self) -> str:
        return bytes(self.key.verify_key).hex()

    def export(self) -> JournalExport:
        header = {"kind": "header", "format": EXPORT_FORMAT, "public_key": self.public_key,
                  "exported_at": "2026-03-12T08:00:00.000000Z"}  # fmt: skip
        return JournalExport(header, copy.deepcopy(self.entries), copy.deepcopy(self.checkpoints))

    def sign(
        self, sequence: int, hash_hex: str, signed_at: str = "2026-03-12T08:00:00.000000Z"
    ) -> dict[str, Any]:
        document = checkpoint_document(sequence, hash_hex, signed_at)
        signature = self.key.sign(canonical_json(document)).signature.hex()
        return {"kind": "checkpoint", "sequence": sequence, "hash": hash_hex,
                "signed_at": signed_at, "signature": signature}  # fmt: skip


def make_entry(sequence: int, previous_hash: str, *, cci: str | None = "011",
               data: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    entry: dict[str, Any] = {
        "kind": "entry", "sequence": sequence,
        "recorded_at": f"2026-03-12T07:{sequence // 60 % 60:02d}:{sequence % 60:02d}.000000Z",
        "event": EVENTS[sequence % len(EVENTS)], "type": "administrative",
        "actor": f"coe-{sequence}@cci.test", "role": "COE", "perimeter": "011", "cci": cci,
        "urn": None, "data": data if data is not None else {"n": sequence, "outcome": "accepted"},
        "previous_hash": previous_hash,
    }  # fmt: skip
    entry["hash"] = entry_hash(entry)
    return entry


def make_journal(length: int, every: int = 4, seed: int = 7) -> Journal:
    """``length`` entries, a checkpoint every ``every`` entries and one on the last entry."""
    key = nacl.signing.SigningKey(bytes([seed]) * 32)
    journal = Journal(key, [], [])
    previous = GENESIS_HASH
    for sequence in range(1, length + 1):
        entry = make_entry(sequence, previous)
        journal.entries.append(entry)
        previous = entry["hash"]
        if sequence % every == 0 or sequence == length:
            journal.checkpoints.append(journal.sign(sequence, entry["hash"]))
    return journal


def rehash_from(entries: list[dict[str, Any]], start: int) -> None:
    """Recompute hashes and links from index ``start`` on (a forger rewriting the tail)."""
    for index in range(start, len(entries)):
        if index:
            entries[index]["previous_hash"] = entries[index - 1]["hash"]
        entries[index]["hash"] = entry_hash(entries[index])
