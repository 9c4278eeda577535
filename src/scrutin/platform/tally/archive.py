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
import os
import shutil
import tarfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.record import layout
from scrutin.record.writer import file_digest

from ..electoral.models import Urn
from ..environment import mark
from ..keys import platform_signing_key
from ..sealing.models import UrnClosing, UrnSeal
from . import services

ARCHIVE_FORMAT = "scrutin-archive/v1"
EPOCH = (2026, 1, 1, 0, 0, 0)


def record_files(urn: Urn) -> dict[str, Path]:
    directory = services.record_dir(urn)
    return {name: directory / name for name in (*layout.DOCUMENTS, layout.MANIFEST)}


def _zip(path: Path, members: dict[str, Path]) -> Path:
    """Write a deterministic zip once (fixed times, sorted names), streaming each file."""
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, source in sorted(members.items()):
            with source.open("rb") as src, z.open(zipfile.ZipInfo(name, EPOCH), "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(tmp, path)
    return path


def record_zip(urn: Urn) -> Path:
    """The public record of the urn, once its tally is done."""
    files = {f"registre-{urn.code}/{n}": p for n, p in record_files(urn).items()}
    return _zip(services.urn_dir(urn) / f"registre-{urn.code}.zip", files)


def dossier_zip(urn: Urn) -> Path:
    """What a key holder needs for ``scrutin trustee decrypt``; fixed once the tally is published.
    Its files sit in a folder of the zip's own name (``depouillement-<urn>/``), so unzipping it
    never scatters them in the current folder."""
    directory = services.record_dir(urn)
    names = (layout.ELECTION, layout.TRUSTEES, layout.BALLOTS, layout.TALLY)
    folder = f"depouillement-{urn.code}"
    return _zip(services.urn_dir(urn) / f"{folder}.zip",
                {f"{folder}/{n}": directory / n for n in names})  # fmt: skip


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


# An archive member: bytes made here, or a record file streamed from disk (ballots.jsonl can
# weigh hundreds of megabytes: it is never held in memory).
Member = bytes | Path


def members(urn: Urn, results: dict[str, Any]) -> dict[str, Member]:
    from .minutes import minutes_pdf

    files: dict[str, Member] = {f"registre/{n}": path for n, path in record_files(urn).items()}
    files["resultats.json"] = json.dumps(results, ensure_ascii=False, indent=1).encode("utf-8")
    key = public_key_hex(platform_signing_key())
    for ballot in results["ballots"]:
        files[f"proces-verbal-{ballot['id']}.pdf"] = minutes_pdf(
            results, ballot["id"], expected_key=key
        )
    for name, doc in seal_documents(urn).items():
        files[f"scellements/{name}"] = json.dumps(doc, ensure_ascii=False, indent=1).encode()
    files["journal.jsonl"] = _journal(urn)
    return files


def _sha256(member: Member) -> str:
    return file_digest(member) if isinstance(member, Path) else hashlib.sha256(member).hexdigest()


def manifest(urn: Urn, results: dict[str, Any], files: dict[str, Member]) -> dict[str, Any]:
    finished = str(results.get("times", {}).get("tally_finished_at", ""))
    days = int(getattr(settings, "SCRUTIN_ARCHIVE_RETENTION_DAYS", 180))
    keep_until = (datetime.fromisoformat(finished) + timedelta(days=days)).date().isoformat()
    doc: dict[str, Any] = {
        "format": ARCHIVE_FORMAT,
        "urn": urn.code,
        "election": results.get("election"),
        "result": results.get("result"),
        "keep_until": keep_until,
        "files": {name: _sha256(data) for name, data in sorted(files.items())},
    }
    mark(doc)  # "environment": "test" on a test instance only (docs/protocol.md §15)
    key = platform_signing_key()
    doc["platform_key"] = public_key_hex(key)
    doc["signature"] = sign_document(key, doc)
    return doc


def package(urn: Urn) -> Path:
    """The signed archive; written once next to the record (streamed: deterministic gzip with
    no name and time 0, tar members sorted with fixed owner, time and mode), then served as
    stored."""
    path = services.urn_dir(urn) / f"archive-{urn.code}.tar.gz"
    if path.exists():
        return path
    results = services.results_of(urn)
    if results is None:
        raise ValueError(f"urn {urn.code}: tally not finished")
    files = members(urn, results)
    document = manifest(urn, results, files)
    files["archive.json"] = json.dumps(document, ensure_ascii=False, indent=1).encode()
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:  # fmt: skip
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"archive-{urn.code}/{name}")
            info.mtime, info.mode = 1767225600, 0o444
            if isinstance(data, Path):
                info.size = data.stat().st_size
                with data.open("rb") as source:
                    tar.addfile(info, source)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)
    return path
