"""The self-test before the opening (RT 4, 5, 7)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from scrutin.crypto.encoding import canonical_json
from scrutin.crypto.signing import sign_document
from scrutin.machine.core import selftest
from scrutin.machine.core.machine import Machine, MachineError

from .conftest import PUBLISHER, self_test


def _resigned(
    release: Path,
    tmp_path: Path,
    change: Callable[[dict[str, Any]], object],
    key: nacl.signing.SigningKey = PUBLISHER,
) -> Path:
    doc = json.loads(release.read_bytes())
    del doc["signature"]
    change(doc)
    doc["publisher_key"] = bytes(key.verify_key).hex()
    doc["signature"] = sign_document(key, doc)
    out = tmp_path / "altered.json"
    out.write_bytes(canonical_json(doc))
    return out


def _code(checks: list[selftest.Check]) -> selftest.Check:
    return checks[0]


def test_rt_4_the_installed_code_matches_the_signed_release(
    prepared: Callable[..., Machine], release: Path, tmp_path: Path
) -> None:
    m = prepared(tested=False)
    contact = dict.fromkeys(m.state.terminals, time.monotonic())
    good = _code(selftest.run(m, contact, release))
    assert good.ok and "fichiers identiques à la version essai" in good.detail
    some = "machine/core/store.py"
    changed = _resigned(release, tmp_path, lambda d: d["files"].__setitem__(some, "0" * 64))
    assert _code(selftest.run(m, contact, changed)).detail == f"1 différence(s) : {some} modifié"
    planted = _resigned(release, tmp_path, lambda d: d["files"].pop(some))
    assert f"{some} ajouté" in _code(selftest.run(m, contact, planted)).detail
    other = nacl.signing.SigningKey(bytes(32))
    foreign = _resigned(release, tmp_path, lambda d: None, key=other)
    assert "autre clé" in _code(selftest.run(m, contact, foreign)).detail
    assert not _code(selftest.run(m, contact, None)).ok
    with pytest.raises(MachineError, match="autotest réussi"):
        m.open("Claire Martin", "Paul Durand")  # the last self-test failed


def test_rt_4_terminals_must_answer_and_rt_5_initial_state(
    prepared: Callable[..., Machine], release: Path
) -> None:
    m = prepared(tested=False)
    checks = selftest.run(m, {1: time.monotonic()}, release)
    by = {c.label: c for c in checks}
    assert by["Terminal de vote 1"].ok and by["Terminal de vote 2"].detail == "jamais connecté"
    assert by["Aucun bulletin dans la machine"].ok and by["Compteurs de votes à zéro"].ok
    assert by["Candidatures identiques au paquet préparé"].ok
    assert by["Mémoire amovible accessible en écriture"].ok
    with pytest.raises(MachineError, match="autotest"):
        m.open("Claire Martin", "Paul Durand")
    assert all(c.ok for c in self_test(m, release))
    m.open("Claire Martin", "Paul Durand")
    assert m.journal.entries[-2].event == "machine:selftest"
