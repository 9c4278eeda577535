"""Function 5, the tally (RT 18–21, 27): scrutin by scrutin, with both keys, into a public record.

For one scrutin of a closed machine, with the president's key and an assessor's key opened under
their codes: the stored ballots are written as ``ballots.jsonl`` (sorted by tracker), summed
homomorphically, decrypted by the two shares with Chaum–Pedersen proofs and combined — the same
record as an internet urn (docs/protocol.md §11), so ``scrutin verify`` checks a polling station.
The counts then go through the scrutin's counting preset (:mod:`scrutin.core.counting`).

The machine writes a signed results document, ``results/<id>.json`` (docs/machine.md), with
every figure of the procès-verbal, the opening and closing times (RT 19), the record's
fingerprint and the journal's head. Reading the results again returns the same bytes and
erases nothing (RT 20); once every scrutin is tallied the machine is locked (RT 21).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from scrutin.core.counting.io import count_json
from scrutin.core.counting.rules import Kind
from scrutin.crypto.decryption import partial_decrypt, tally_from_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.signing import sign_document
from scrutin.machine.core import closing, files, keys
from scrutin.machine.core.machine import CLOSED, TALLIED, Machine
from scrutin.machine.core.package import Scrutin
from scrutin.record import layout
from scrutin.record.recount import result_documents
from scrutin.record.tally import aggregate_file, tally_document
from scrutin.record.writer import file_digest, write_json, write_manifest

RESULTS_FORMAT = "scrutin-machine-results/v1"


def record_dir(root: Path, scrutin_id: str) -> Path:
    return root / "records" / scrutin_id


def results_path(root: Path, scrutin_id: str) -> Path:
    return root / "results" / f"{scrutin_id}.json"


def counting_input(scrutin: Scrutin, result: dict[str, Any]) -> dict[str, Any]:
    """The decrypted counts as the counting library's input (docs/counting.md)."""
    n = int(result["ballot_count"])
    answers = result["answers"]
    doc: dict[str, Any] = {"preset": scrutin.preset, "registered": scrutin.registered, "voters": n}
    if scrutin.kind is Kind.REFERENDUM:
        doc["questions"] = [
            {"name": b.text, "yes": a["counts"][0], "no": a["counts"][1], "blank": a["blank"]}
            for b, a in zip(scrutin.ballots, answers, strict=True)
        ]
        return doc
    (ballot,), (answer,) = scrutin.ballots, answers
    doc |= {"seats": scrutin.seats, "round": scrutin.round, "blank": answer["blank"], "null": 0}
    if scrutin.kind is Kind.LIST:
        doc["lists"] = [
            {"name": c.name, "votes": v, "candidates": [{"name": m} for m in c.members]}
            for c, v in zip(ballot.choices, answer["counts"], strict=True)
        ]
    else:
        doc["candidates"] = [
            {"name": c.name, "votes": v}
            for c, v in zip(ballot.choices, answer["counts"], strict=True)
        ]
    return doc


def tally_scrutin(
    machine: Machine, scrutin_id: str, president: keys.HeldKey, assessor: keys.HeldKey
) -> dict[str, Any]:
    """RT 18, 27: tally one scrutin of a closed machine with the two opened keys."""
    keys.check_pair(president, assessor)
    if machine.state.phase != CLOSED:
        raise machine.refuse(
            "Le dépouillement n'est possible qu'une fois le scrutin clos (tous les terminaux bloqués)."
            if machine.state.phase != TALLIED
            else "Les résultats sont déjà édités : seule leur relecture est possible."
        )
    if scrutin_id in machine.state.tallied:
        raise machine.refuse("Ce scrutin est déjà dépouillé : relisez ses résultats.")
    scrutin = machine.package.scrutin(scrutin_id)
    params = machine.params[scrutin_id]
    internal = machine.roots["interne"]
    out = record_dir(internal, scrutin_id)
    if out.exists():
        shutil.rmtree(out)  # an interrupted earlier attempt: nothing of it was published
    out.mkdir(parents=True)
    write_json(out / layout.ELECTION, params.to_json())
    write_json(out / layout.TRUSTEES, machine.trustees)
    seal = closing.check_sealed(machine, scrutin_id)
    shutil.copyfile(closing.sealed_ballots(internal, scrutin_id), out / layout.BALLOTS)
    write_json(out / layout.CLOSING, seal)
    aggregate = aggregate_file(params, out / layout.BALLOTS, workers=1)
    if aggregate.ballot_count != machine.state.stored[scrutin_id]:
        raise machine.refuse(
            f"Anomalie : {aggregate.ballot_count} bulletin(s) lus pour "
            f"{machine.state.stored[scrutin_id]} vote(s) enregistré(s)."
        )
    tally_doc = tally_document(params, aggregate)
    write_json(out / layout.TALLY, tally_doc)
    tally = tally_from_json(params, tally_doc)
    tally_fp = fingerprint(tally_doc)
    partials = [
        partial_decrypt(params, tally, k.trustee, k.role, k.share, tally_fp)
        for k in (president, assessor)
    ]
    decryptions, result = result_documents(params, machine.trustees, tally_doc, partials)
    write_json(out / layout.DECRYPTIONS, decryptions)
    write_json(out / layout.RESULT, result)
    signing = files.read_signing_key(internal)
    write_manifest(out, params.fingerprint(), signing)
    counted = count_json(counting_input(scrutin, result))
    n = int(result["ballot_count"])
    blank = sum(a["blank"] for a in result["answers"]) if scrutin.kind is not Kind.REFERENDUM else 0
    doc: dict[str, Any] = {
        "format": RESULTS_FORMAT,
        "package": machine.package.fingerprint,
        "commune": machine.package.commune,
        "insee": machine.package.insee,
        "bureau": machine.package.bureau_number,
        "date": machine.package.election_date.isoformat(),
        "scrutin": scrutin_id,
        "title": scrutin.title,
        "preset": scrutin.preset,
        "opened_at": machine.state.opened_at,
        "closed_at": machine.state.closed_at,
        "registered": scrutin.registered,
        "voters": n,
        "blank": blank,
        "null": 0,
        "cast": n - blank,
        "answers": result["answers"],
        "counting": counted,
        "record": file_digest(out / layout.MANIFEST),
        "election": params.fingerprint(),
        "decrypted_by": [keys.label(t) for t in result["decrypted_by"]],
        "journal": machine.journal.head,
    }
    doc["signature"] = sign_document(signing, doc)
    for name, root in machine.roots.items():
        path = results_path(root, scrutin_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, doc)
        if name != "interne":
            target = record_dir(root, scrutin_id)
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(out, target)
    machine.log(
        "tally:scrutin", "président",
        f"Dépouillement du scrutin « {scrutin.title} » : {n} bulletin(s), dont {blank} blanc(s). "
        f"Empreinte du registre : {doc['record']}.",
        scrutin=scrutin_id, record=doc["record"],
    )  # fmt: skip
    machine.state.tallied.add(scrutin_id)
    if machine.state.tallied == {s.id for s in machine.package.scrutins}:
        machine.log(
            "machine:lock", "machine",
            "Tous les scrutins sont dépouillés : machine verrouillée. Seules la relecture des "
            "résultats et une nouvelle préparation sont possibles.",
        )  # fmt: skip
        machine.state.phase = TALLIED
    return doc


def read_results(machine: Machine, scrutin_id: str) -> bytes:
    """RT 20: the stored results, byte for byte; reading erases nothing."""
    if scrutin_id not in machine.state.tallied:
        raise machine.refuse("Ce scrutin n'est pas encore dépouillé.")
    data = results_path(machine.roots["interne"], scrutin_id).read_bytes()
    json.loads(data)
    machine.log(
        "results:read", "président",
        f"Relecture des résultats du scrutin « {machine.package.scrutin(scrutin_id).title} ».",
        scrutin=scrutin_id,
    )  # fmt: skip
    return data


__all__ = ["read_results", "tally_scrutin"]
