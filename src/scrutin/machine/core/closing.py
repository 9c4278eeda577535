"""The closing seal of each scrutin (RT 17; docs/protocol.md §11, §14.2).

When the last terminal is blocked the ballot memory is frozen: for each scrutin the machine
writes the exact ``ballots.jsonl`` of its future record (sorted by tracker) and signs, with its
Ed25519 key, a closing seal ``scrutin-urn-closing/v1`` holding that file's count and SHA-256 and
the count and fingerprint of the scrutin's *émargements* — here the activations whose vote for
that scrutin was stored (``scrutin-machine-emargements/v1``: the activation numbers, sorted; the
signed paper list of the bureau stays the legal émargement). The seal goes into the record as
``closing.json``, so ``scrutin verify`` checks ballots = sealed ballots = émargements, and the
tally refuses a ballots file that is no longer the sealed one.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.machine.core.files import read_signing_key
from scrutin.machine.core.machine import Machine, MachineError
from scrutin.record.writer import file_digest, write_ballots

CLOSING_FORMAT = "scrutin-urn-closing/v1"
EMARGEMENTS_FORMAT = "scrutin-machine-emargements/v1"
REASON = "Blocage du dernier terminal par le président du bureau de vote."
PARIS = ZoneInfo("Europe/Paris")


def sealed_ballots(root: Path, scrutin_id: str) -> Path:
    return root / "closing" / scrutin_id / "ballots.jsonl"


def seal_path(root: Path, scrutin_id: str) -> Path:
    return root / "closing" / f"{scrutin_id}.json"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


def seal_closing(machine: Machine) -> None:
    """Write every scrutin's sealed ballots file and closing seal, on both roots. Idempotent:
    a restart after a power cut between the closing and the seals writes what is missing."""
    key = read_signing_key(machine.roots["interne"])
    p = machine.package
    closes_at = datetime.combine(p.election_date, p.closing, PARIS).isoformat(timespec="seconds")
    closed_at = machine.state.closed_at
    assert closed_at is not None
    for s in p.scrutins:
        if all(seal_path(r, s.id).exists() for r in machine.roots.values()):
            continue
        internal = machine.roots["interne"]
        ballots = sealed_ballots(internal, s.id)
        ballots.parent.mkdir(parents=True, exist_ok=True)
        write_ballots(ballots, machine.stores[s.id].ballots())
        count = machine.stores[s.id].used
        emargements = {
            "format": EMARGEMENTS_FORMAT,
            "scrutin": s.id,
            "activations": sorted(machine.state.voters[s.id]),
        }
        doc: dict[str, Any] = {
            "format": CLOSING_FORMAT,
            "urn": f"{p.insee}-{p.bureau_number}-{s.id}",
            "election": machine.params[s.id].fingerprint(),
            "urn_seal": p.fingerprint,
            "platform_seal": None,
            "closes_at": closes_at,
            "closed_at": closed_at,
            "trigger": "decision",
            "reason": REASON,
            "ballots": {"count": count, "sha256": file_digest(ballots)},
            "emargements": {
                "count": len(emargements["activations"]),
                "sha256": fingerprint(emargements),
            },
            "sealed_at": machine.now().isoformat(timespec="seconds"),
            "platform_key": public_key_hex(key),
        }
        doc["signature"] = sign_document(key, doc)
        for root in machine.roots.values():
            if root != internal:
                _write_atomic(sealed_ballots(root, s.id), ballots.read_bytes())
            _write_atomic(
                root / "closing" / f"{s.id}-emargements.json", canonical_json(emargements)
            )
            _write_atomic(seal_path(root, s.id), canonical_json(doc))
        machine.log(
            "closing:seal", "machine",
            f"Scellement de clôture du scrutin « {s.title} » : {count} bulletin(s) pour "
            f"{len(emargements['activations'])} électeur(s) ayant voté, empreinte des bulletins "
            f"{doc['ballots']['sha256']}.",
            scrutin=s.id, seal=fingerprint(doc),
        )  # fmt: skip


def check_sealed(machine: Machine, scrutin_id: str) -> dict[str, Any]:
    """The closing seal of a scrutin, checked against the ballots file it seals."""
    internal = machine.roots["interne"]
    doc: dict[str, Any] = json.loads(seal_path(internal, scrutin_id).read_bytes())
    path = sealed_ballots(internal, scrutin_id)
    if file_digest(path) != doc["ballots"]["sha256"]:
        raise MachineError(
            "Anomalie : le fichier des bulletins scellé à la clôture a été modifié. "
            "Le dépouillement est impossible ; appelez l'assistance de la mairie."
        )
    return doc
