"""Independent verification of the tamper-evident journal (CCTP 4.2.2.1; docs/journal.md).

Framework-free: reads a journal export (JSON lines) or any list of entries and checkpoints, and
re-checks, without the platform's code or database:

* each entry's hash: ``hash_n = SHA-256(JCS(entry_n without "hash"))``, where the entry holds
  ``previous_hash = hash_(n-1)`` (64 zeros for the first entry);
* the sequence numbers: 1, 2, 3 … with no gap, duplicate or inversion;
* each checkpoint: an Ed25519 signature by the platform key over
  ``JCS({"domain", "sequence", "hash", "signed_at"})``, and ``hash`` equal to the entry's hash.

Any modification, deletion, insertion or reordering is reported with the sequence number where
it is found. Imports only the shared layer (``scrutin.crypto.encoding``) and PyNaCl.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from scrutin.crypto.encoding import EncodingError, canonical_json

EXPORT_FORMAT = "scrutin/journal-export/v1"
CHECKPOINT_DOMAIN = "scrutin/v1/journal/checkpoint"
GENESIS_HASH = "0" * 64
ENTRY_FIELDS = (
    "sequence", "recorded_at", "event", "type", "actor", "role", "perimeter", "cci", "urn",
    "data", "previous_hash",
)  # fmt: skip
CHECKPOINT_FIELDS = ("sequence", "hash", "signed_at", "signature")
MAX_LINE = 1024 * 1024
_HEX = frozenset("0123456789abcdef")


class MalformedExport(ValueError):
    """The export file cannot be read at all (not JSON lines, no header, wrong format)."""


def entry_hash(document: Mapping[str, Any]) -> str:
    """``SHA-256(JCS(document))`` of an entry without its ``hash`` (64 lowercase hex)."""
    return hashlib.sha256(canonical_json({k: document[k] for k in ENTRY_FIELDS})).hexdigest()


def checkpoint_document(sequence: int, entry_hash_hex: str, signed_at: str) -> dict[str, Any]:
    """The document a checkpoint signature covers."""
    return {"domain": CHECKPOINT_DOMAIN, "sequence": sequence, "hash": entry_hash_hex,
            "signed_at": signed_at}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """Something that does not hold; ``sequence`` is where it is found (None: the whole file)."""

    sequence: int | None
    message: str

    def render(self) -> str:
        where = f"entrée {self.sequence}" if self.sequence is not None else "journal"
        return f"  ✗ {where} : {self.message}"


@dataclass
class JournalReport:
    entries: int = 0
    first_sequence: int | None = None
    last_sequence: int | None = None
    head_hash: str | None = None
    checkpoints: int = 0
    last_checkpoint: int | None = None
    public_key: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def locations(self) -> set[int | None]:
        return {p.sequence for p in self.problems}

    def render(self) -> str:
        lines = [
            "Vérification du journal",
            f"  entrées : {self.entries}"
            + (f" (n° {self.first_sequence} à {self.last_sequence})" if self.entries else ""),
            f"  empreinte de tête : {self.head_hash or '—'}",
            f"  points de contrôle signés : {self.checkpoints}"
            + (f", dernier sur l'entrée {self.last_checkpoint}" if self.last_checkpoint else ""),
            f"  clé publique de la plate-forme : {self.public_key or '—'}",
        ]
        lines += [f"  note : {n}" for n in self.notes]
        lines += [p.render() for p in self.problems]
        lines.append(
            "RÉSULTAT : journal intègre" if self.valid
            else f"RÉSULTAT : journal NON intègre ({len(self.problems)} anomalie(s))"
        )  # fmt: skip
        return "\n".join(lines)


def _is_hex(value: object, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and _HEX.issuperset(value)


def _entry_shape(entry: Mapping[str, Any]) -> str | None:
    """Why an entry is malformed, or None."""
    keys = set(entry) - {"kind"}
    expected = {*ENTRY_FIELDS, "hash"}
    if keys != expected:
        extra, missing = sorted(keys - expected), sorted(expected - keys)
        return f"champs inattendus {extra} ou manquants {missing}"
    if type(entry["sequence"]) is not int or entry["sequence"] < 1:
        return "numéro de séquence invalide"
    if not _is_hex(entry["hash"], 64) or not _is_hex(entry["previous_hash"], 64):
        return "empreinte mal formée (64 caractères hexadécimaux minuscules attendus)"
    if not isinstance(entry["data"], dict):
        return "données (data) non objet JSON"
    for name in ("recorded_at", "event", "type", "role", "perimeter"):
        if not isinstance(entry[name], str):
            return f"champ {name} non textuel"
    return None


def _check_entries(
    entries: Iterable[Mapping[str, Any]],
    wanted: set[int],
    report: JournalReport,
    after: tuple[int, str],
) -> dict[int, str]:
    """Sequence, chaining and hash of every entry, in one pass; returns the recorded hash of the
    sequences in ``wanted`` (the checkpoints), so memory stays bounded on a large journal."""
    hashes: dict[int, str] = {}
    previous_sequence, previous_hash = after
    for position, entry in enumerate(entries, start=1):
        sequence = entry.get("sequence")
        where = sequence if type(sequence) is int else None
        shape = _entry_shape(entry)
        if shape is not None:
            report.problems.append(
                Problem(where, f"ligne d'entrée n° {position} mal formée : {shape}")
            )
            if where is not None:
                previous_sequence = max(previous_sequence, where)
            previous_hash = ""
            continue
        assert isinstance(sequence, int)
        expected = previous_sequence + 1
        if sequence > expected:
            missing = f"{expected}" if sequence == expected + 1 else f"{expected} à {sequence - 1}"
            report.problems.append(Problem(expected, f"entrée(s) {missing} absente(s) : "
                                                     f"suppression (l'entrée suivante est la {sequence})"))  # fmt: skip
        elif sequence < expected:
            report.problems.append(Problem(sequence, "entrée dupliquée ou déplacée : elle apparaît "
                                                     f"après l'entrée {previous_sequence} (ordre "
                                                     "modifié ou entrée insérée)"))  # fmt: skip
        try:
            recomputed = entry_hash(entry)
        except EncodingError as exc:
            report.problems.append(Problem(sequence, f"contenu non canonisable : {exc}"))
            recomputed = ""
        if recomputed and recomputed != entry["hash"]:
            report.problems.append(Problem(sequence, "contenu modifié : l'empreinte recalculée "
                                                     "diffère de l'empreinte enregistrée"))  # fmt: skip
        if previous_hash and entry["previous_hash"] != previous_hash:
            origin = previous_sequence if previous_sequence else "(origine)"
            report.problems.append(Problem(sequence, "chaînage rompu : l'empreinte précédente ne "
                                                     "correspond pas à celle de l'entrée "
                                                     f"{origin}"))  # fmt: skip
        if sequence in wanted:
            hashes.setdefault(sequence, entry["hash"])
        previous_sequence, previous_hash = max(previous_sequence, sequence), entry["hash"]
        report.entries += 1
        if report.first_sequence is None:
            report.first_sequence = sequence
        report.last_sequence, report.head_hash = previous_sequence, previous_hash
    return hashes


def _checkpoint_order(checkpoint: Mapping[str, Any]) -> int:
    sequence = checkpoint.get("sequence")
    return sequence if type(sequence) is int else 0


def _check_checkpoints(
    checkpoints: Sequence[Mapping[str, Any]],
    hashes: Mapping[int, str],
    key: nacl.signing.VerifyKey | None,
    report: JournalReport,
) -> None:
    last_entry = report.last_sequence or 0
    previous_checkpoint = 0
    for cp in sorted(checkpoints, key=_checkpoint_order):
        sequence = cp.get("sequence")
        if (set(cp) - {"kind"} != set(CHECKPOINT_FIELDS) or type(sequence) is not int
                or not _is_hex(cp["hash"], 64) or not _is_hex(cp["signature"], 128)
                or not isinstance(cp["signed_at"], str)):  # fmt: skip
            report.problems.append(Problem(sequence if type(sequence) is int else None,
                                           "point de contrôle mal formé"))  # fmt: skip
            continue
        report.checkpoints += 1
        signed = checkpoint_document(sequence, cp["hash"], cp["signed_at"])
        try:
            if key is None:
                raise nacl.exceptions.BadSignatureError
            key.verify(canonical_json(signed), bytes.fromhex(cp["signature"]))
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, EncodingError):
            report.problems.append(Problem(sequence, "point de contrôle falsifié : la signature "
                                                     "Ed25519 ne vérifie pas avec la clé publique"))  # fmt: skip
            continue
        report.last_checkpoint = max(report.last_checkpoint or 0, sequence)
        if sequence not in hashes:
            if sequence > last_entry:
                report.problems.append(Problem(last_entry + 1, f"journal tronqué : un point de "
                    f"contrôle signé porte sur l'entrée {sequence} mais le journal s'arrête à "
                    f"l'entrée {last_entry}"))  # fmt: skip
            else:
                report.problems.append(Problem(sequence, "entrée couverte par un point de contrôle "
                                                         "signé absente"))  # fmt: skip
        elif hashes[sequence] != cp["hash"]:
            report.problems.append(Problem(sequence, "l'entrée ne correspond pas à l'empreinte "
                f"signée du point de contrôle : modification entre les entrées "
                f"{previous_checkpoint + 1} et {sequence}"))  # fmt: skip
        previous_checkpoint = sequence


def verify_journal(
    entries: Iterable[Mapping[str, Any]],
    checkpoints: Iterable[Mapping[str, Any]],
    public_key_hex: str,
    *,
    expected_public_key: str | None = None,
    require_covered_head: bool = False,
    after: tuple[int, str] = (0, GENESIS_HASH),
) -> JournalReport:
    """Check entries (in the given order) and checkpoints; never raises on bad content.

    ``after``: (sequence, hash) of the entry preceding the first one given, to check a segment
    (for instance from the last checkpoint); the default is the whole journal from its origin.

    ``require_covered_head``: the last entry must be covered by a signed checkpoint (an export
    always signs one), so that a truncated or extended tail cannot pass unnoticed.
    """
    report = JournalReport(public_key=public_key_hex)
    key: nacl.signing.VerifyKey | None = None
    if not _is_hex(public_key_hex, 64):
        report.problems.append(Problem(None, "clé publique absente ou mal formée"))
    else:
        key = nacl.signing.VerifyKey(bytes.fromhex(public_key_hex))
    if expected_public_key is not None and expected_public_key.lower() != public_key_hex:
        report.problems.append(Problem(None, "la clé publique du fichier n'est pas la clé attendue "
                                             f"({expected_public_key})"))  # fmt: skip
    checkpoints = list(checkpoints)
    wanted = {c["sequence"] for c in checkpoints if type(c.get("sequence")) is int}
    hashes = _check_entries(entries, wanted, report, after)
    _check_checkpoints(checkpoints, hashes, key, report)
    last = report.last_sequence or 0
    if report.last_checkpoint is None:
        if last:
            note = "aucun point de contrôle signé : seul le chaînage protège le journal"
            if require_covered_head:
                report.problems.append(Problem(None, note))
            else:
                report.notes.append(note)
    elif report.last_checkpoint < last:
        note = (f"les entrées {report.last_checkpoint + 1} à {last} ne sont pas encore couvertes "
                "par un point de contrôle signé")  # fmt: skip
        if require_covered_head:
            report.problems.append(Problem(report.last_checkpoint + 1, note))
        else:
            report.notes.append(note)
    return report


def _parse_line(raw: bytes, number: int) -> dict[str, Any]:
    if len(raw) > MAX_LINE:
        raise MalformedExport(f"ligne {number} trop longue")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedExport(f"ligne {number} : JSON invalide ({exc})") from exc
    if not isinstance(value, dict):
        raise MalformedExport(f"ligne {number} : objet JSON attendu")
    return value


def _reject_constant(name: str) -> Any:
    raise MalformedExport(f"valeur JSON non standard {name}")


@dataclass
class JournalExport:
    header: dict[str, Any]
    entries: list[dict[str, Any]]
    checkpoints: list[dict[str, Any]]


def parse_export(lines: Iterable[bytes]) -> JournalExport:
    """Split an export into header, entries (file order) and checkpoints."""
    header: dict[str, Any] | None = None
    entries: list[dict[str, Any]] = []
    checkpoints: list[dict[str, Any]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        line = _parse_line(raw, number)
        kind = line.get("kind")
        if header is None:
            if kind != "header" or line.get("format") != EXPORT_FORMAT:
                raise MalformedExport(f"première ligne : en-tête {EXPORT_FORMAT} attendu")
            header = line
        elif kind == "entry":
            entries.append(line)
        elif kind == "checkpoint":
            checkpoints.append(line)
        else:
            raise MalformedExport(f"ligne {number} : type de ligne inconnu {kind!r}")
    if header is None:
        raise MalformedExport("fichier vide")
    return JournalExport(header, entries, checkpoints)


def read_export(path: Path) -> JournalExport:
    with path.open("rb") as fh:
        return parse_export(fh)


def verify_export(
    export: JournalExport,
    *,
    extra_checkpoints: Iterable[Mapping[str, Any]] = (),
    expected_public_key: str | None = None,
) -> JournalReport:
    """Verify an export; ``extra_checkpoints`` are checkpoints kept independently (for instance
    by a COE from an earlier export): an export truncated or rewritten since then fails."""
    key = export.header.get("public_key")
    return verify_journal(
        export.entries,
        [*export.checkpoints, *extra_checkpoints],
        key if isinstance(key, str) else "",
        expected_public_key=expected_public_key,
        require_covered_head=True,
    )


def dump_line(document: Mapping[str, Any]) -> bytes:
    """One export line: compact JSON (the hash never depends on this layout)."""
    return (
        json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        + b"\n"
    )
