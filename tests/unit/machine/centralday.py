"""Three bureaux of one commune run a real day on the machine's core (prepare, self-test, open
with two keys, encrypted votes, close, tally with two keys) for the centralisation tests."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.encoding import canonical_json
from scrutin.crypto.signing import public_key_hex
from scrutin.machine.core import files, keys, selftest
from scrutin.machine.core.machine import Machine
from scrutin.machine.core.tally import tally_scrutin

from .conftest import CODES, PUBLISHER, package_doc

A, B, C = 0, 1, 2
# Bureau → (registered, municipal choices, departmental choices), one entry per voter;
# None is a blank vote. Totals: lists A 14, B 7, C 4, 2 blank, 27 voters, 36 registered.
DAY: dict[str, tuple[int, list[int | None], list[int | None]]] = {
    "1": (12, [A] * 5 + [B] * 3 + [C] + [None], [0] * 6 + [1] * 4),
    "2": (11, [A] * 4 + [B] * 2 + [C] * 2, [0] * 3 + [1] * 4 + [None]),
    "3": (13, [A] * 5 + [B] * 2 + [C] + [None], [0] * 5 + [1] * 4),
}


def release_manifest(directory: Path) -> Path:
    path = directory / "release.json"
    if not path.exists():
        path.write_bytes(canonical_json(selftest.release_manifest(PUBLISHER, "essai")))
    return path


def bureau_package(number: str, registered: int, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(package_doc(release_key=public_key_hex(PUBLISHER), **changes))
    doc["bureau"] = {"number": number, "name": f"Bureau {number}"}
    for s in doc["scrutins"]:
        s["registered"] = registered
    return doc


def prepare_bureau(tmp: Path, number: str, registered: int, **changes: Any) -> Machine:
    root = tmp / f"bureau-{number}"
    key_files = {h: root / f"{h}.cle" for h in CODES}
    root.mkdir(parents=True)
    doc = bureau_package(number, registered, **changes)
    files.prepare(doc, root / "interne", root / "amovible", CODES, key_files)
    return Machine(root / "interne", root / "amovible", now=lambda: datetime.now(UTC))


def run_day(tmp: Path, m: Machine, votes: dict[str, list[int | None]]) -> None:
    release = release_manifest(tmp)
    checks = selftest.run(m, dict.fromkeys(m.state.terminals, time.monotonic()), release)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    m.open("Claire Martin", "Paul Durand")
    voters = len(next(iter(votes.values())))
    for i in range(voters):
        m.activate(1, list(votes))
        for sid, choices in votes.items():
            params = m.ballot_params(1, sid)
            sel = [0] * params.questions[0].size
            if choices[i] is not None:
                sel[choices[i]] = 1
            m.cast(1, sid, ballot_to_json(params.group, encrypt_ballot(params, [sel])))
    m.block_all()
    root = m.roots["interne"].parent
    president = keys.open_key(m.trustees, root / "president.cle", CODES["president"])
    assessor = keys.open_key(m.trustees, root / "assesseur-1.cle", CODES["assesseur-1"])
    for sid in votes:
        tally_scrutin(m, sid, president, assessor)


def commune_day(tmp: Path) -> dict[str, Machine]:
    """The three bureaux of DAY, prepared and tallied."""
    machines = {}
    for number, (registered, municipal, departmental) in DAY.items():
        m = prepare_bureau(tmp, number, registered)
        run_day(tmp, m, {"municipales": municipal, "departementales": departmental})
        machines[number] = m
    return machines
