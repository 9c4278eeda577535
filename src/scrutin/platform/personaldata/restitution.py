"""The signed archive handed back to a CCI at the end of the election (CCTP 4.2.3).

CCTP 4.2.3: the provider gives back the files still in its possession at the end of the electoral
operations. ``restitution-<CCI>.tar.gz`` holds, in ``restitution-<CCI>/``:

* ``electeurs.csv``: the CCI's electors list as held at the end of the vote, in the columns and
  order of the annex 7 electors file (``;``, UTF-8 with a byte-order mark, CRLF; cells a
  spreadsheet would read as formulas are neutralised like every CSV of the platform);
* ``emargement/emargement-<urn>.csv``: the émargement list of each urn (who voted and when);
  for an urn whose electors moved to a new election (annulment, partial election), also
  ``emargement/emargement-<urn>-archivee.json``, its list as archived then
  (``electoral.succession``; the one its closing seal fingerprints);
* ``resultats/<urn>/resultats.json`` and ``proces-verbal-<ballot>.pdf`` for each tallied urn;
* ``journal.jsonl``: the journal entries of the CCI and of its urns up to ``journal_up_to``
  (each with its hash, checkable against a full journal export);
* ``restitution.json``: counts, the SHA-256 of every other member, the platform's public key
  and its Ed25519 signature.

Memory stays bounded whatever the size of the list: each CSV or JSON-lines member is streamed
from a database cursor into a temporary file next to the output, then copied into the archive.
The bytes are deterministic (sorted members, fixed time, owner and mode, gzip without name or
time): the same data up to the same journal entry gives the same archive.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Max, Q

from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.verify.journal import dump_line

from ..audit.journal import entry_line, record_event
from ..audit.models import JournalEntry
from ..control.services import HEADER as EMARGEMENT_HEADER
from ..control.services import emargement_rows
from ..csvexport import csv_blocks
from ..electoral.annex7.electors import COLUMNS, FIELDS
from ..electoral.models import Cci, Elector, Urn, UrnSuccession
from ..environment import mark
from ..keys import platform_signing_key
from .check import FORMAT, MANIFEST

MTIME = 1767225600  # 2026-01-01T00:00:00Z, as the tally archive
CHUNK = 2000


class UnknownCci(LookupError):
    """No CCI has this code."""


@dataclass
class Restitution:
    path: Path
    sha256: str
    manifest: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)


def archive_name(cci_code: str) -> str:
    return f"restitution-{cci_code}"


class _Counter:
    """Counts the rows of an iterator as they go by."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


def _spool(folder: Path, blocks: Iterable[bytes]) -> Path:
    """Write ``blocks`` to a new file of ``folder`` (never the whole member in memory)."""
    fd, name = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        for block in blocks:
            out.write(block)
    return Path(name)


def elector_rows(cci_code: str) -> Iterator[list[str]]:
    """The CCI's electors in annex 7 column order, by number (a server-side cursor)."""
    rows = Elector.objects.filter(cci_code=cci_code).order_by("number").values_list(*FIELDS)
    for row in rows.iterator(chunk_size=CHUNK):
        yield list(row)


def journal_lines(cci_code: str, urn_codes: list[str], up_to: int) -> Iterator[bytes]:
    """The CCI's and its urns' journal entries up to ``up_to``, one JSON line each."""
    rows = JournalEntry.objects.filter(
        Q(cci_code=cci_code) | Q(urn_code__in=urn_codes), sequence__lte=up_to
    ).order_by("sequence")
    for entry in rows.iterator(chunk_size=CHUNK):
        yield dump_line(entry_line(entry))


def journal_head() -> int:
    return int(JournalEntry.objects.aggregate(m=Max("sequence"))["m"] or 0)


def _results_members(urn: Urn, key_hex: str) -> dict[str, bytes]:
    from ..tally.minutes import minutes_pdf
    from ..tally.services import results_of

    results = results_of(urn)
    if results is None:
        return {}
    folder = f"resultats/{urn.code}"
    files = {f"{folder}/resultats.json": json.dumps(results, ensure_ascii=False, indent=1).encode()}
    for ballot in results["ballots"]:
        files[f"{folder}/proces-verbal-{ballot['id']}.pdf"] = minutes_pdf(
            results, ballot["id"], expected_key=key_hex
        )
    return files


def _sha256(member: bytes | Path) -> str:
    if isinstance(member, bytes):
        return hashlib.sha256(member).hexdigest()
    digest = hashlib.sha256()
    with member.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _write_tar(path: Path, folder: str, files: dict[str, bytes | Path]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:  # fmt: skip
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.mtime, info.mode = MTIME, 0o444
            if isinstance(data, Path):
                info.size = data.stat().st_size
                with data.open("rb") as source:
                    tar.addfile(info, source)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)


def build(cci_code: str, out_dir: Path, *, up_to: int | None = None) -> Restitution:
    """Write ``out_dir/restitution-<CCI>.tar.gz`` (CCTP 4.2.3) and journal it.

    ``up_to``: last journal entry in the extract (default: the journal's head when starting).
    Raises :class:`UnknownCci` if no CCI has this code."""
    cci = Cci.objects.filter(code=cci_code).first()
    if cci is None:
        raise UnknownCci(cci_code)
    out_dir.mkdir(parents=True, exist_ok=True)
    up_to = journal_head() if up_to is None else up_to
    urns = list(Urn.objects.filter(cci=cci).order_by("code"))
    key = platform_signing_key()
    key_hex = public_key_hex(key)
    counts: dict[str, Any] = {"urns": {}}
    files: dict[str, bytes | Path] = {}
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".restitution-") as tmp:
        spool = Path(tmp)
        electors = _Counter(elector_rows(cci.code))
        files["electeurs.csv"] = _spool(spool, csv_blocks(COLUMNS, electors))
        counts["electors"] = electors.count
        for urn in urns:
            voters = _Counter(emargement_rows(urn, chunk=CHUNK))
            files[f"emargement/emargement-{urn.code}.csv"] = _spool(
                spool, csv_blocks(EMARGEMENT_HEADER, voters)
            )
            results = _results_members(urn, key_hex)
            files.update(results)
            counts["urns"][urn.code] = {"emargements": voters.count, "tallied": bool(results)}
            moved = UrnSuccession.objects.filter(previous=urn).first()
            archived = Path(moved.archive) / "emargements.json" if moved else None
            if moved and archived and archived.is_file():
                files[f"emargement/emargement-{urn.code}-archivee.json"] = archived
                counts["urns"][urn.code]["emargements_archived"] = moved.emargements
        journal = _Counter(journal_lines(cci.code, [u.code for u in urns], up_to))
        files["journal.jsonl"] = _spool(spool, journal)
        counts["journal_entries"] = journal.count
        document: dict[str, Any] = {
            "format": FORMAT,
            "cci": cci.code,
            "label": cci.label,
            "journal_up_to": up_to,
            "counts": counts,
            "files": {name: _sha256(data) for name, data in sorted(files.items())},
        }
        mark(document)  # "environment": "test" on a test instance only
        document["platform_key"] = key_hex
        document["signature"] = sign_document(key, document)
        files[MANIFEST] = json.dumps(document, ensure_ascii=False, indent=1).encode()
        path = out_dir / f"{archive_name(cci.code)}.tar.gz"
        _write_tar(path, archive_name(cci.code), files)
    digest = _sha256(path)
    record_event("data:cci:return", cci_code=cci.code, data={
        "file": path.name, "sha256": digest, "electors": counts["electors"],
        "urns": len(urns), "journal_up_to": up_to,
    })  # fmt: skip
    return Restitution(path, digest, document, counts)
