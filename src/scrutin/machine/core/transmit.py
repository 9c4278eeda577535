"""The bureau's side of centralisation (RT 22, 23, 28): export each scrutin's signed results file,
import and keep the centralising bureau's signed acknowledgement.

:func:`export_results` builds, for one tallied scrutin, the ``scrutin-bureau-results/v1`` file
(docs/machine-centralisation.md) from the machine-signed results document: the election
(commune, INSEE code, date), the bureau, the scrutin and its choices, the procès-verbal's
figures, the record's fingerprint, the journal's head, signed by the machine's key. The first
export is kept on both supports (``central/<id>.json``); a later export writes the same bytes, so
the centralising bureau recognises a second copy of one file as such. The record
(``records/<id>``) goes next to it for ``scrutin verify``.

:func:`import_ack` checks an acknowledgement against the file sent and the centralising bureau's
key (the first acknowledgement's key is then the only one accepted), keeps it on both supports
(``central/<id>-ack.json``) and journals it; the printout is :mod:`scrutin.machine.centralprint`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import canonical_json
from scrutin.machine.core import centraldocs, files, tally
from scrutin.machine.core.centraldocs import CentralError
from scrutin.machine.core.machine import Machine
from scrutin.record.writer import write_json


def sent_path(root: Path, scrutin_id: str) -> Path:
    return root / "central" / f"{scrutin_id}.json"


def ack_path(root: Path, scrutin_id: str) -> Path:
    return root / "central" / f"{scrutin_id}-ack.json"


def file_name(doc: dict[str, Any]) -> str:
    """``<insee>-<bureau>-<scrutin>``: the name of a bureau's results file and its record."""
    return f"{doc['election']['insee']}-{doc['sender']}-{doc['scrutin']['id']}"


def results_file(machine: Machine, scrutin_id: str) -> dict[str, Any]:
    """The signed results file of one tallied scrutin (the same bytes at every export)."""
    internal = machine.roots["interne"]
    kept = sent_path(internal, scrutin_id)
    if kept.is_file():
        doc: dict[str, Any] = json.loads(kept.read_bytes())
        return doc
    if scrutin_id not in machine.state.tallied:
        raise machine.refuse(
            "Ce scrutin n'est pas encore dépouillé : aucun résultat à transmettre.", "président"
        )
    results = json.loads(tally.results_path(internal, scrutin_id).read_bytes())
    p, s = machine.package, machine.package.scrutin(scrutin_id)
    doc = {
        "format": centraldocs.BUREAU_RESULTS,
        "level": "bureau",
        "election": {"insee": p.insee, "commune": p.commune, "date": p.election_date.isoformat()},
        "sender": p.bureau_number,
        "sender_name": p.bureau_name,
        "package": p.fingerprint,
        "scrutin": centraldocs.scrutin_description(s),
        "parameters": results["election"],
        "figures": centraldocs.figures_of_results(results),
        "opened_at": results["opened_at"],
        "closed_at": results["closed_at"],
        "record": results["record"],
        "results": centraldocs.doc_fingerprint(results),
        "journal": machine.journal.head,
        "exported_at": machine.now().isoformat(timespec="seconds"),
    }
    doc = centraldocs.sign(files.read_signing_key(internal), doc)
    for root in machine.roots.values():
        sent_path(root, scrutin_id).parent.mkdir(parents=True, exist_ok=True)
        write_json(sent_path(root, scrutin_id), doc)
    return doc


def export_results(machine: Machine, scrutin_id: str, out: Path) -> Path:
    """RT 22, 28: write one scrutin's signed results file and its record to ``out`` (a
    directory on removable media); returns the file's path."""
    doc = results_file(machine, scrutin_id)
    out.mkdir(parents=True, exist_ok=True)
    name = file_name(doc)
    target = out / f"{name}.json"
    target.write_bytes(canonical_json(doc))
    record = out / f"{name}-registre"
    if record.exists():
        shutil.rmtree(record)
    shutil.copytree(tally.record_dir(machine.roots["interne"], scrutin_id), record)
    fp = centraldocs.doc_fingerprint(doc)
    machine.log(
        "central:export", "président",
        f"Résultats du scrutin « {doc['scrutin']['title']} » exportés pour la centralisation "
        f"({target.name}), empreinte {fp}.",
        scrutin=scrutin_id, transmission=fp,
    )  # fmt: skip
    return target


def pinned_key(machine: Machine) -> str | None:
    """The centralising bureau's key, as fixed by the first acknowledgement imported."""
    for e in machine.journal:
        if e.event == "central:ack":
            return str(e.data["key"])
    return None


def import_ack(machine: Machine, path: Path) -> dict[str, Any]:
    """RT 23: check, keep and journal the acknowledgement of one of this bureau's files."""
    try:
        ack = centraldocs.load(path, "Accusé de réception")
        scrutin_id = ack.get("scrutin")
        if not isinstance(scrutin_id, str) or scrutin_id not in machine.params:
            raise CentralError("Accusé de réception refusé : scrutin inconnu de cette machine.")
        sent = sent_path(machine.roots["interne"], scrutin_id)
        if not sent.is_file():
            raise CentralError(
                "Accusé de réception refusé : aucun résultat de ce scrutin n'a été exporté."
            )
        centraldocs.check_ack(ack, json.loads(sent.read_bytes()), pinned_key(machine))
    except CentralError as exc:
        raise machine.refuse(str(exc), "président") from None
    for root in machine.roots.values():
        write_json(ack_path(root, scrutin_id), ack)
    receiver = ack["receiver"]
    machine.log(
        "central:ack", "président",
        f"Accusé de réception n° {ack['number']} du bureau centralisateur ({receiver['name']}) "
        f"pour le scrutin « {machine.package.scrutin(scrutin_id).title} », reçu le "
        f"{ack['received_at']} ; empreinte de l'accusé {centraldocs.doc_fingerprint(ack)}.",
        scrutin=scrutin_id, ack=centraldocs.doc_fingerprint(ack), key=ack["signing_key"],
    )  # fmt: skip
    return ack
