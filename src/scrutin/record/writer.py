"""Writing a record directory: documents, ballots in tracker order, signed manifest."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nacl.signing

from scrutin.crypto.encoding import canonical_json
from scrutin.crypto.signing import sign_document
from scrutin.record.layout import BALLOTS, DOCUMENTS, MANIFEST, RECORD_FORMAT


def document_bytes(document: object) -> bytes:
    """A record document's file bytes: UTF-8, indented, final newline (deterministic)."""
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def write_json(path: Path, document: object) -> None:
    """Write atomically (temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(document_bytes(document))
    os.replace(tmp, path)


def ballot_line(ballot: dict[str, Any]) -> bytes:
    """A ballot as stored: its RFC 8785 canonical JSON; its tracker is the SHA-256 of it."""
    return canonical_json(ballot)


def write_ballots(path: Path, lines: Iterable[bytes]) -> str:
    """Write canonical ballot lines sorted by tracker (no timestamp, no arrival order).

    Returns the SHA-256 of the file. Duplicate ballots are refused.
    """
    keyed = sorted((hashlib.sha256(line).digest(), line) for line in lines)
    digest = hashlib.sha256()
    tmp = path.with_name(path.name + ".tmp")
    previous = b""
    with tmp.open("wb") as f:
        for tracker, line in keyed:
            if tracker == previous:
                raise ValueError("duplicate ballot")
            previous = tracker
            f.write(line + b"\n")
            digest.update(line + b"\n")
    os.replace(tmp, path)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(
    directory: Path, election_fp: str, key: nacl.signing.SigningKey, *, environment: str = ""
) -> None:
    """The signed manifest; ``environment="test"`` on a test instance only (docs/protocol.md
    §15): production manifests have no such member."""
    manifest: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "election": election_fp,
        "documents": {name: file_digest(directory / name) for name in DOCUMENTS},
    }
    if environment:
        manifest["environment"] = environment
    manifest["signature"] = sign_document(key, manifest)
    write_json(directory / MANIFEST, manifest)


__all__ = ["BALLOTS", "ballot_line", "write_ballots", "write_json", "write_manifest"]
