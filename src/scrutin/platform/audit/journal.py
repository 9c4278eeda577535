"""Appending to the hash-chained journal, signing checkpoints, exporting and verifying it
(CCTP 4.2.2.1; docs/journal.md).

The hash and checkpoint equations live in :mod:`scrutin.verify.journal` (framework-free), so the
platform and the independent verifier compute them with the same code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone

from scrutin.crypto.encoding import canonical_json
from scrutin.crypto.signing import (
    InvalidSignature,
    public_key_hex,
    sign_document,
    verify_document,
)
from scrutin.verify.journal import (
    EXPORT_FORMAT,
    GENESIS_HASH,
    JournalReport,
    checkpoint_document,
    dump_line,
    entry_hash,
    verify_journal,
)

from ..keys import platform_signing_key
from . import events, witness
from .models import ChainHead, Checkpoint, JournalEntry, VerificationRun

DATABASE = "default"
SYSTEM_ROLE = "système"


def checkpoint_every() -> int:
    """Entries between two automatic checkpoints (``SCRUTIN_JOURNAL_CHECKPOINT_EVERY``)."""
    value = getattr(settings, "SCRUTIN_JOURNAL_CHECKPOINT_EVERY", None)
    if value is None:
        value = os.environ.get("SCRUTIN_JOURNAL_CHECKPOINT_EVERY", "100")
    return max(1, int(value))


def timestamp(moment: datetime) -> str:
    """The canonical form of a time in the hashed document: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def describe_actor(actor: Any) -> tuple[str, str, str]:
    """(identifier, role, perimeter) of whoever acts; no user = the platform itself."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "", SYSTEM_ROLE, "—"
    from ..accounts.perimeters import perimeter_of

    roles = sorted(actor.groups.values_list("name", flat=True))
    if actor.is_superuser:
        roles.append("superutilisateur")
    perimeter = perimeter_of(actor)
    return (actor.get_username(), "+".join(roles) or "sans rôle",
            str(perimeter) if perimeter is not None else "aucun")  # fmt: skip


def _check_data(value: Any, path: str = "data") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in events.FORBIDDEN_DATA_KEYS:
                raise ValueError(f"{path}.{key}: a voter's choices or secrets are never journaled")
            _check_data(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_data(item, f"{path}[{index}]")
    elif isinstance(value, float):
        raise ValueError(f"{path}: no floats in the journal (write a string or an integer)")


def entry_document(entry: JournalEntry) -> dict[str, Any]:
    """The hashed document of a stored entry (everything but ``hash``)."""
    return {
        "sequence": entry.sequence,
        "recorded_at": timestamp(entry.recorded_at),
        "event": entry.event,
        "type": entry.event_type,
        "actor": entry.actor or None,
        "role": entry.actor_role,
        "perimeter": entry.actor_perimeter,
        "cci": entry.cci_code or None,
        "urn": entry.urn_code or None,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }


def _locked_head() -> ChainHead:
    """The chain head, locked until the end of the transaction (row lock on PostgreSQL; on
    SQLite a no-op write takes the database's write lock first)."""
    connection = connections[DATABASE]
    if not connection.features.has_select_for_update:
        ChainHead.objects.using(DATABASE).filter(pk=1).update(sequence=F("sequence"))
    try:
        return ChainHead.objects.using(DATABASE).select_for_update().get(pk=1)
    except ChainHead.DoesNotExist:
        try:
            with transaction.atomic(using=DATABASE):
                ChainHead.objects.using(DATABASE).create(pk=1, sequence=0, hash=GENESIS_HASH)
        except IntegrityError:
            pass  # created concurrently
        return ChainHead.objects.using(DATABASE).select_for_update().get(pk=1)


def record_event(
    event_id: str,
    *,
    actor: Any = None,
    cci_code: str | None = None,
    urn_code: str | None = None,
    data: dict[str, Any],
) -> JournalEntry:
    """Append one event; serialised by the chain-head lock, atomic with the caller's transaction.

    ``data`` must be JSON without floats (RFC 8785); ``…-complete`` events carry ``outcome``.
    Raises ``KeyError`` for an undeclared event and ``ValueError`` for invalid data.
    """
    event = events.get(event_id)
    if event.is_complete and "outcome" not in data:
        raise ValueError(f"{event_id}: a -complete event records its outcome")
    _check_data(data)
    data = json.loads(canonical_json(data))  # what is stored is exactly what is hashed
    if actor is None:
        from .context import current_actor

        actor = current_actor.get()  # the signed-in user of the request, if any
    actor_name, role, perimeter = describe_actor(actor)
    with transaction.atomic(using=DATABASE):
        head = _locked_head()
        entry = JournalEntry(
            sequence=head.sequence + 1, recorded_at=timezone.now(), event=event.id,
            event_type=event.type, actor=actor_name, actor_role=role, actor_perimeter=perimeter,
            cci_code=cci_code or "", urn_code=urn_code or "", data=data,
            previous_hash=head.hash,
        )  # fmt: skip
        entry.hash = entry_hash(entry_document(entry))
        entry.save(using=DATABASE, force_insert=True)
        head.sequence, head.hash = entry.sequence, entry.hash
        head.save(using=DATABASE, update_fields=["sequence", "hash"])
        if entry.sequence % checkpoint_every() == 0:
            _sign(entry.sequence, entry.hash)
        _witness_after_commit(entry)
    return entry


def _witness_after_commit(entry: JournalEntry) -> None:
    """Once the entry is committed (an action rolled back takes its entry with it, so never
    before), sign the new chain head and append it to the witness file outside the database: a
    later truncation of the journal is then seen (``witness.py``). Signed after the commit,
    outside the chain-head lock."""
    sequence, entry_hash_hex = entry.sequence, entry.hash
    first = entry_hash_hex if sequence == 1 else _first_hash()
    if first is None:
        return  # entry 1 is gone: the verification reports it, there is no journal to witness

    def sign_and_append() -> None:
        key = platform_signing_key()
        signed_at = timestamp(timezone.now())
        head = checkpoint_document(sequence, entry_hash_hex, signed_at)
        line = {"kind": "checkpoint", "sequence": sequence, "hash": entry_hash_hex,
                "signed_at": signed_at, "signature": sign_document(key, head)}  # fmt: skip
        header = {"kind": "header", "format": EXPORT_FORMAT, "public_key": public_key_hex(key),
                  "exported_at": signed_at}  # fmt: skip
        witness.append(first, line, header)

    transaction.on_commit(sign_and_append, using=DATABASE)


def _first_hash() -> str | None:
    return (
        JournalEntry.objects.using(DATABASE)
        .filter(sequence=1)
        .values_list("hash", flat=True)
        .first()
    )


def _sign(sequence: int, hash_hex: str) -> Checkpoint:
    key = platform_signing_key()
    signed_at = timezone.now()
    document = checkpoint_document(sequence, hash_hex, timestamp(signed_at))
    return Checkpoint.objects.using(DATABASE).create(
        sequence=sequence, hash=hash_hex, signed_at=signed_at,
        public_key=public_key_hex(key), signature=sign_document(key, document),
    )  # fmt: skip


def sign_checkpoint() -> Checkpoint | None:
    """On demand: a signed checkpoint of the current head (the existing one if already signed);
    None while the journal is empty."""
    with transaction.atomic(using=DATABASE):
        head = _locked_head()
        if head.sequence == 0:
            return None
        existing = Checkpoint.objects.using(DATABASE).filter(sequence=head.sequence).first()
        return existing or _sign(head.sequence, head.hash)


HEAD_CACHE_SECONDS = 5


def signed_head_export() -> bytes:
    """The current chain head signed now, as a checkpoints-only export (header line, then one
    checkpoint line; only the header when the journal is empty), published at
    ``/scellements/journal.jsonl`` so that anyone can keep it and later catch a truncation
    (``scrutin journal verify EXPORT --checkpoints KEPT``). Reads the head without locking and
    writes nothing; the same bytes are served for ``HEAD_CACHE_SECONDS``."""
    from django.core.cache import cache

    cached = cache.get("journal:signed-head")
    if isinstance(cached, bytes):
        return cached
    key = platform_signing_key()
    signed_at = timestamp(timezone.now())
    data = dump_line({"kind": "header", "format": EXPORT_FORMAT,
                      "public_key": public_key_hex(key), "exported_at": signed_at})  # fmt: skip
    head = ChainHead.objects.using(DATABASE).filter(pk=1).first()
    if head is not None and head.sequence:
        document = checkpoint_document(head.sequence, head.hash, signed_at)
        data += dump_line({"kind": "checkpoint", "sequence": head.sequence, "hash": head.hash,
                           "signed_at": signed_at, "signature": sign_document(key, document)})  # fmt: skip
    cache.set("journal:signed-head", data, HEAD_CACHE_SECONDS)
    return data


def entry_line(entry: JournalEntry) -> dict[str, Any]:
    return {"kind": "entry", **entry_document(entry), "hash": entry.hash}


def checkpoint_line(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"kind": "checkpoint", "sequence": checkpoint.sequence, "hash": checkpoint.hash,
            "signed_at": timestamp(checkpoint.signed_at), "signature": checkpoint.signature}  # fmt: skip


def stored_entries(up_to: int | None = None) -> Iterator[dict[str, Any]]:
    rows = JournalEntry.objects.using(DATABASE).order_by("sequence")
    if up_to is not None:
        rows = rows.filter(sequence__lte=up_to)
    for entry in rows.iterator(2000):
        yield entry_line(entry)


def stored_checkpoints(up_to: int | None = None) -> list[dict[str, Any]]:
    rows = Checkpoint.objects.using(DATABASE).order_by("sequence")
    if up_to is not None:
        rows = rows.filter(sequence__lte=up_to)
    return [checkpoint_line(c) for c in rows]


def export(path: Path, *, actor: Any = None, checkpoints_only: bool = False) -> tuple[int, int]:
    """Write the export (header, entries, checkpoints) after journaling the export and signing a
    checkpoint of the head; the file stops at that checkpoint, so its last entry is covered even
    while other events are appended. Returns (entries, checkpoints)."""
    record_event("journal:file:export", actor=actor,
                 data={"file": path.name, "checkpoints_only": checkpoints_only})  # fmt: skip
    signed = sign_checkpoint()
    up_to = signed.sequence if signed is not None else 0  # later entries wait for the next export
    entries = 0
    checkpoints = stored_checkpoints(up_to)
    header = {"kind": "header", "format": EXPORT_FORMAT,
              "public_key": public_key_hex(platform_signing_key()),
              "exported_at": timestamp(timezone.now())}  # fmt: skip
    with path.open("wb") as fh:
        fh.write(dump_line(header))
        if not checkpoints_only:
            for line in stored_entries(up_to):
                fh.write(dump_line(line))
                entries += 1
        for line in checkpoints:
            fh.write(dump_line(line))
    return entries, len(checkpoints)


def verify_database(*, save: bool = True) -> JournalReport:
    """Full verification of the stored journal, plus the chain head row (a deletion of the
    last entries is seen there). Recorded as a :class:`VerificationRun` when ``save``."""
    report = verify_journal(stored_entries(), stored_checkpoints(),
                            public_key_hex(platform_signing_key()))  # fmt: skip
    head = ChainHead.objects.using(DATABASE).filter(pk=1).first()
    if head is not None and (head.sequence != (report.last_sequence or 0)
                             or (head.sequence and head.hash != report.head_hash)):  # fmt: skip
        from scrutin.verify.journal import Problem

        report.problems.append(Problem(
            (report.last_sequence or 0) + 1,
            f"la tête de chaîne indique l'entrée {head.sequence} ({head.hash[:12]}…) mais le "
            f"journal s'arrête à l'entrée {report.last_sequence or 0} : entrées supprimées ou "
            "ajoutées hors du journal",
        ))  # fmt: skip
    _check_witness(report)
    if save:
        VerificationRun.objects.using(DATABASE).create(
            entries=report.entries, last_sequence=report.last_sequence or 0, valid=report.valid,
            problems=[{"sequence": p.sequence, "message": p.message} for p in report.problems],
        )  # fmt: skip
    return report


def _check_witness(report: JournalReport) -> None:
    """The newest head in the witness file must be a stored entry with the same hash, and its
    signature must hold: else the journal was truncated (or rewritten) in the database."""
    from scrutin.verify.journal import Problem

    first = _first_hash()
    head = witness.latest(first) if first else None
    if head is None:
        return
    last = report.last_sequence or 0
    sequence = head["sequence"]
    document = checkpoint_document(sequence, str(head.get("hash")), str(head.get("signed_at")))
    try:
        verify_document(bytes.fromhex(report.public_key), document,
                        bytes.fromhex(str(head.get("signature"))))  # fmt: skip
    except (InvalidSignature, ValueError):
        report.problems.append(Problem(sequence, "le témoin du journal (hors base) porte une "
                                                 "signature invalide"))  # fmt: skip
        return
    if sequence > last:
        report.problems.append(Problem(last + 1, (
            f"journal tronqué : le témoin hors base a vu l'entrée {sequence} signée, mais le "
            f"journal de la base s'arrête à l'entrée {last}")))  # fmt: skip
        return
    stored = (
        JournalEntry.objects.using(DATABASE)
        .filter(sequence=sequence)
        .values_list("hash", flat=True)
        .first()
    )
    if stored != head["hash"]:
        report.problems.append(Problem(sequence, (
            f"l'entrée {sequence} ne correspond pas à la tête de chaîne signée conservée par le "
            "témoin hors base : journal réécrit")))  # fmt: skip
