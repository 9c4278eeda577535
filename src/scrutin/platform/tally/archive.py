"""The urn's public record as a zip, and its signed archive package (CCTP 4.2.2.2).

The package (``archive-<urn>.tar.gz``) holds the record (docs/protocol.md §11), the seals of the
urn, the results document, the procès-verbaux and the urn's journal entries, plus
``archive.json``: the SHA-256 of every member, the retention date and the platform's Ed25519
signature over it. Bytes are deterministic (sorted members, fixed times and owners), so the same
tally always gives the same package.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import zipfile
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.record import layout

from ..electoral.models import Urn
from ..keys import platform_signing_key
from ..sealing.models import UrnClosing, UrnSeal
from . import services

ARCHIVE_FORMAT = "scrutin-archive/v1"
EPOCH = (2026, 1, 1, 0, 0, 0)


def record_files(urn: Urn) -> dict[str, bytes]:
    directory = services.record_dir(urn)
    return {name: (directory / name).read_bytes() for name in (*layout.DOCUMENTS, layout.MANIFEST)}


def record_zip(urn: Urn) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(record_files(urn).items()):
            z.writestr(zipfile.ZipInfo(f"registre-{urn.code}/{name}", EPOCH), data)
    return buffer.getvalue()


def _journal(urn: Urn) -> bytes:
    """The urn's entries of the hash-chained journal (each with its hash, checkable against a
    full journal export)."""
    from ..audit.journal import entry_line
    from ..audit.models import JournalEntry

    rows = JournalEntry.objects.filter(urn_code=urn.code).order_by("sequence")
    lines = [json.dumps(entry_line(e), ensure_ascii=False, sort_keys=True) for e in rows]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def seal_documents(urn: Urn) -> dict[str, Any]:
    """The signed seals of the urn: before the opening, at the closing, and the platform's."""
    from ..sealing.models import PlatformSeal

    docs: dict[str, Any] = {}
    if (seal := UrnSeal.objects.filter(urn=urn).first()) is not None:
        docs["scellement-urne.json"] = seal.document
    if (closing := UrnClosing.objects.filter(urn=urn).first()) is not None:
        docs["scellement-cloture.json"] = closing.document
        platform_fp = closing.document.get("platform_seal")
        platform = PlatformSeal.objects.filter(fingerprint=platform_fp).first()
        if platform is not None:
            docs["scellement-plate-forme.json"] = platform.document
    return docs


def members(urn: Urn) -> dict[str, bytes]:
    from .minutes import minutes_pdf

    results = services.results_of(urn)
    if results is None:
        raise ValueError(f"urn {urn.code}: tally not finished")
    files = {f"registre/{n}": data for n, data in record_files(urn).items()}
    files["resultats.json"] = json.dumps(results, ensure_ascii=False, indent=1).encode("utf-8")
    for ballot in results["ballots"]:
        files[f"proces-verbal-{ballot['id']}.pdf"] = minutes_pdf(
            results, ballot["id"], expected_key=public_key_hex(platform_signing_key())
        )
    for name, doc in seal_documents(urn).items():
        files[f"scellements/{name}"] = json.dumps(doc, ensure_ascii=False, indent=1).encode()
    files["journal.jsonl"] = _journal(urn)
    return files


def manifest(urn: Urn, files: dict[str, bytes]) -> dict[str, Any]:
    results = services.results_of(urn) or {}
    finished = str(results.get("times", {}).get("tally_finished_at", ""))
    days = int(getattr(settings, "SCRUTIN_ARCHIVE_RETENTION_DAYS", 180))
    keep_until = (datetime.fromisoformat(finished) + timedelta(days=days)).date().isoformat()
    doc: dict[str, Any] = {
        "format": ARCHIVE_FORMAT,
        "urn": urn.code,
        "election": results.get("election"),
        "result": results.get("result"),
        "keep_until": keep_until,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    key = platform_signing_key()
    doc["platform_key"] = public_key_hex(key)
    doc["signature"] = sign_document(key, doc)
    return doc


def package(urn: Urn) -> bytes:
    """The signed archive; written once next to the record, then served as stored."""
    path = services.urn_dir(urn) / f"archive-{urn.code}.tar.gz"
    if path.exists():
        return path.read_bytes()
    files = members(urn)
    files["archive.json"] = json.dumps(manifest(urn, files), ensure_ascii=False, indent=1).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"archive-{urn.code}/{name}")
            info.size, info.mtime, info.mode = len(data), 1767225600, 0o444
            tar.addfile(info, io.BytesIO(data))
    data = gzip.compress(raw.getvalue(), mtime=0)
    path.write_bytes(data)
    return data
