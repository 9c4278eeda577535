"""Producing one CCI's letters for the print shop, on the dispatch operator's machine (CCTP 5.2.2).

Input: the checked kit (:mod:`scrutin.material.kit`) and the rows of the sealed credential
export, decrypted as they stream (the caller passes a function that opens the stream again:
the export is read twice). Output, in one directory: ``lettres-<CCI>-0001.pdf`` … (one batch of
``kit.dispatch.batch_size`` letters each) and the data of the manifest (:class:`Result`).

Order (docs/material.md, "Sorting"):

* ``reroute`` — the COE re-routes the letters itself (CCTP 5.2.2.1): category, sub-category,
  ascending postal code, then family name (*nom patronymique*), first name, identifier;
* ``direct`` — straight to the electors (CCTP 5.2.2.2): ascending postal code, locality, family
  name, first name, identifier (the order a postal operator's pre-sorting expects).

Memory stays bounded, whatever the size of the CCI:

1. first pass: each row gives a fixed-width sort key of ``KEY_BYTES`` bytes; the keys sit in one
   NumPy array (about 7.6 MB per 100,000 letters with the positions) and are sorted there;
2. second pass: each row goes, with its position, into one of a few *bucket* files of at most
   ``BUCKET_LETTERS`` letters, **encrypted** with a key that exists only in this process's memory
   (NaCl SecretBox, XSalsa20-Poly1305): no plaintext code ever touches the disk outside the PDFs;
3. the buckets are rendered in parallel (one process per core): a worker decrypts one bucket,
   orders it and writes its batches, then returns each batch's SHA-256 and counts.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import secrets
import shutil
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from nacl.secret import SecretBox

from .kit import LetterKit
from .letter import LetterData, render
from .postal import clean, unaccented_upper

#: the columns of the sealed export (scrutin.platform.credentials.export.HEADER)
COLUMNS = (
    "identifiant", "code", "date_de_naissance_demandee", "civilite", "nom", "prenom",
    "raison_sociale", "destinataire", "complement1", "complement2", "voie", "lieu_dit",
    "code_postal", "localite", "pays", "email", "mobile",
    "categorie", "sous_categorie", "libelle_categorie", "libelle_sous_categorie", "nom_de_famille",
)  # fmt: skip
_FIELDS = {name: i for i, name in enumerate(COLUMNS)}
KEY_BYTES = 80
BUCKET_LETTERS = 20_000
_CHUNK = 256 * 1024
_LENGTH = struct.Struct(">I")
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")

Rows = Callable[[], Iterator[Sequence[str]]]


class ProductionError(Exception):
    """The letters cannot be produced; the message (French) says why."""


@dataclass(frozen=True)
class Batch:
    number: int
    file: str
    sha256: str
    letters: int
    first: str
    last: str
    urns: dict[str, int]


@dataclass
class Result:
    total: int = 0
    electronic_skipped: int = 0  # rows without a letter (e-mail set, or outside a supplement)
    missing: list[str] = field(default_factory=list)  # a supplement's letters not in the export
    batches: list[Batch] = field(default_factory=list)
    urns: dict[str, int] = field(default_factory=dict)
    urn_labels: dict[str, str] = field(default_factory=dict)
    notes: int = 0
    passes_cpu: float = 0.0  # CPU seconds of the two sequential passes (main process)


def _cell(value: str) -> str:
    """Undo the export's formula neutralising (a leading apostrophe before ``= + - @``)."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_LEAD):
        return value[1:]
    return value


def letter_from_row(row: Sequence[str]) -> LetterData:
    if len(row) != len(COLUMNS):
        raise ProductionError(
            f"Ligne de l'export à {len(row)} colonnes au lieu de {len(COLUMNS)} "
            f"(identifiant {row[0] if row else '?'})."
        )
    v = [_cell(cell) for cell in row]
    f = _FIELDS
    return LetterData(
        identifier=v[0], code=v[1], birth_date_asked=v[2] == "oui", civility=v[f["civilite"]],
        family_name=v[f["nom_de_famille"]], usage_name=v[f["nom"]], first_name=v[f["prenom"]],
        company_name=v[f["raison_sociale"]], recipient=v[f["destinataire"]],
        complement1=v[f["complement1"]], complement2=v[f["complement2"]], street=v[f["voie"]],
        place=v[f["lieu_dit"]], postal_code=v[f["code_postal"]], city=v[f["localite"]],
        country=v[f["pays"]], category=v[f["categorie"]], subcategory=v[f["sous_categorie"]],
        category_label=v[f["libelle_categorie"]],
        subcategory_label=v[f["libelle_sous_categorie"]],
    )  # fmt: skip


def urn_of(data: LetterData) -> str:
    """« 1 » or « 1/02 »: the urn a letter counts for (category, sub-category)."""
    return f"{data.category}/{data.subcategory}" if data.subcategory else data.category or "?"


def _part(text: str, width: int, *, right: bool = False) -> bytes:
    plain = unaccented_upper(text).encode("ascii", "replace")[:width]
    return plain.rjust(width) if right else plain.ljust(width)


def sort_key(data: LetterData, mode: str) -> bytes:
    """Fixed-width bytes whose order is the letters' order (see the module docstring)."""
    surname = data.family_name or data.usage_name or data.company_name or data.recipient
    name = _part(surname, 30) + _part(data.first_name, 12)
    code = _part(clean(data.postal_code), 10)
    if mode == "reroute":  # CCTP 5.2.2.1
        key = _part(data.category, 1) + _part(data.subcategory, 2) + code + name
    else:  # CCTP 5.2.2.2
        key = code + _part(data.city, 20) + name
    return (key + _part(data.identifier, 15)).ljust(KEY_BYTES)[:KEY_BYTES]


def produce(kit: LetterKit, rows: Rows, out_dir: Path, *, workers: int = 2,
            notes: Callable[[str, tuple[str, ...]], None] | None = None,
            progress: Callable[[int, int], None] | None = None) -> Result:  # fmt: skip
    """Write the CCI's batches into ``out_dir`` (created, must hold no batch yet)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.glob(f"lettres-{kit.cci_code}-*.pdf")):
        raise ProductionError(
            f"Le dossier {out_dir} contient déjà des lots de la CCI {kit.cci_code} : "
            "choisissez un dossier vide, rien n'a été écrasé."
        )
    result = Result()
    cpu = time.process_time()
    keys = _first_pass(kit, rows, result)
    total = result.total
    if total == 0 and kit.is_supplement:
        raise ProductionError("Aucun courrier à imprimer : aucun identifiant du kit "
                              "complémentaire ne figure dans cet export.")  # fmt: skip
    if total == 0:
        raise ProductionError("Aucun courrier à imprimer : tous les électeurs reçoivent leur "
                              "matériel par courriel, ou l'export est vide.")  # fmt: skip
    order = np.argsort(keys, kind="stable")
    del keys
    position = np.empty(total, dtype=np.uint32)
    position[order] = np.arange(total, dtype=np.uint32)
    del order
    size = kit.dispatch.batch_size
    count = (total + size - 1) // size  # a bucket: whole batches, one share per worker at least
    bucket_letters = size * max(1, min(BUCKET_LETTERS // size, -(-count // max(1, workers))))
    tmp = Path(tempfile.mkdtemp(prefix=".travail-", dir=out_dir))
    try:
        key = secrets.token_bytes(SecretBox.KEY_SIZE)
        buckets = _second_pass(kit, rows, position, bucket_letters, tmp, key)
        del position
        result.passes_cpu = time.process_time() - cpu
        light = replace(kit, electronic=frozenset(), letters=None)  # cheap to send to a worker
        jobs = [(light, str(path), str(out_dir), key, size, start)
                for path, start in buckets]  # fmt: skip
        done = 0
        for batches, bucket_notes in _run(jobs, workers):
            for batch in batches:
                result.batches.append(batch)
                for urn, count in batch.urns.items():
                    result.urns[urn] = result.urns.get(urn, 0) + count
                done += batch.letters
            for identifier, found in bucket_notes:
                result.notes += 1
                if notes:
                    notes(identifier, found)
            if progress:
                progress(done, total)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result.batches.sort(key=lambda b: b.number)
    return result


def _first_pass(kit: LetterKit, rows: Rows, result: Result) -> np.ndarray[Any, Any]:
    """Sort keys of the letters to print, in one compact array (grown by doubling)."""
    keys = np.empty(1024, dtype=f"S{KEY_BYTES}")
    n = 0
    printed: set[str] = set()
    for row in rows():
        if not kit.prints(row[0]):
            result.electronic_skipped += 1
            continue
        if kit.letters is not None:
            printed.add(row[0])
        data = letter_from_row(row)
        if not data.identifier.startswith(kit.cci_code):
            raise ProductionError(
                f"L'export contient l'identifiant {data.identifier}, qui n'est pas de la CCI "
                f"{kit.cci_code} du kit : vérifiez que l'export et le kit vont ensemble."
            )
        if n == len(keys):
            keys = np.resize(keys, 2 * n)
        keys[n] = sort_key(data, kit.dispatch.mode)
        n += 1
        urn = urn_of(data)
        if urn not in result.urn_labels:
            label = " – ".join(p for p in (data.category_label, data.subcategory_label) if p)
            result.urn_labels[urn] = label
    result.total = n
    if kit.letters is not None:
        result.missing = sorted(kit.letters - printed)
    return keys[:n].copy()


class _Bucket:
    """Encrypted append-only file of (position, row) records; plaintext only in memory."""

    def __init__(self, path: Path, box: SecretBox) -> None:
        self.path, self.box, self.buffer = path, box, bytearray()
        self.fh: BinaryIO = path.open("xb")

    def add(self, position: int, row: Sequence[str]) -> None:
        record = json.dumps([position, list(row)], ensure_ascii=False).encode("utf-8")
        self.buffer += _LENGTH.pack(len(record)) + record
        if len(self.buffer) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            sealed = self.box.encrypt(bytes(self.buffer))
            self.fh.write(_LENGTH.pack(len(sealed)) + sealed)
            self.buffer = bytearray()

    def close(self) -> None:
        self.flush()
        self.fh.close()


def _second_pass(kit: LetterKit, rows: Rows, position: np.ndarray[Any, Any],
                 bucket_letters: int, tmp: Path, key: bytes) -> list[tuple[Path, int]]:  # fmt: skip
    box = SecretBox(key)
    count = (len(position) + bucket_letters - 1) // bucket_letters
    buckets = [_Bucket(tmp / f"godet-{i:04d}.bin", box) for i in range(count)]
    n = 0
    try:
        for row in rows():
            if not kit.prints(row[0]):
                continue
            if n >= len(position):
                raise ProductionError("L'export a changé entre les deux lectures : recommencez.")
            p = int(position[n])
            buckets[p // bucket_letters].add(p, row)
            n += 1
    finally:
        for bucket in buckets:
            bucket.close()
    if n != len(position):
        raise ProductionError("L'export a changé entre les deux lectures : recommencez.")
    return [(b.path, i * bucket_letters) for i, b in enumerate(buckets)]


def _read_bucket(path: Path, key: bytes) -> list[tuple[int, list[str]]]:
    box, records = SecretBox(key), []
    with path.open("rb") as fh:
        while prefix := fh.read(_LENGTH.size):
            (length,) = _LENGTH.unpack(prefix)
            plain = box.decrypt(fh.read(length))
            at = 0
            while at < len(plain):
                (size,) = _LENGTH.unpack_from(plain, at)
                position, row = json.loads(plain[at + 4 : at + 4 + size])
                records.append((position, row))
                at += 4 + size
    path.unlink()
    records.sort(key=lambda r: r[0])
    return records


Job = tuple[LetterKit, str, str, bytes, int, int]


def _render_bucket(job: Job) -> tuple[list[Batch], list[tuple[str, tuple[str, ...]]]]:
    """Worker: one bucket → its batches (PDF files) with SHA-256 and counts per urn."""
    kit, path, out_dir, key, size, start = job
    records = _read_bucket(Path(path), key)
    batches: list[Batch] = []
    notes: list[tuple[str, tuple[str, ...]]] = []
    for offset in range(0, len(records), size):
        letters = [letter_from_row(row) for _, row in records[offset : offset + size]]
        number = (start + offset) // size + 1
        name = f"lettres-{kit.cci_code}-{number:04d}.pdf"
        target = Path(out_dir) / name
        partial = target.with_suffix(".pdf.partiel")
        with partial.open("xb") as fh:
            render(kit, letters, fh, batch=number, total=len(letters), notes=notes)
        os.replace(partial, target)
        batches.append(Batch(
            number=number, file=name, sha256=file_sha256(target), letters=len(letters),
            first=letters[0].identifier, last=letters[-1].identifier,
            urns=dict(Counter(urn_of(d) for d in letters)),
        ))  # fmt: skip
    return batches, notes


def _run(jobs: list[Job], workers: int) -> Iterable[tuple[list[Batch], list[Any]]]:
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_render_bucket, jobs)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(min(workers, len(jobs))) as pool:
        yield from pool.imap_unordered(_render_bucket, jobs)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def manifest(
    kit: LetterKit, result: Result, *, export_sha256: str, produced_at: str
) -> dict[str, Any]:
    """``manifeste.json``: every batch's SHA-256 and counts, per urn, the inputs' fingerprints
    (and, for a supplementary kit, the main kit it completes and its letters absent from the
    export)."""
    extra: dict[str, Any] = {}
    if kit.letters is not None:
        extra["supplement"] = {"of": kit.supplement_of, "letters": len(kit.letters),
                               "missing": result.missing}  # fmt: skip
    return {
        "format": "scrutin-letters-manifest/v1",
        "cci": {"code": kit.cci_code, "label": kit.cci_label},
        "produced_at": produced_at,
        "kit_fingerprint": kit.fingerprint,
        "export_sha256": export_sha256,
        "dispatch": {"mode": kit.dispatch.mode, "batch_size": kit.dispatch.batch_size},
        "total": result.total,
        "electronic_skipped": result.electronic_skipped,
        "address_notes": result.notes,
        "urns": [{"urn": urn, "label": result.urn_labels.get(urn, ""), "letters": count}
                 for urn, count in sorted(result.urns.items())],
        "batches": [{"number": b.number, "file": b.file, "sha256": b.sha256, "letters": b.letters,
                     "first": b.first, "last": b.last, "urns": dict(sorted(b.urns.items()))}
                    for b in result.batches],
        **extra,
    }  # fmt: skip
