"""Shared fixtures of the voting machine's framework-free core: a town hall's package with a
municipal list scrutin and a departmental binôme scrutin the same day (RT 25, 30)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from scrutin.crypto.encoding import canonical_json
from scrutin.crypto.signing import public_key_hex
from scrutin.machine.core import files, selftest
from scrutin.machine.core.machine import Machine

CODES = {"president": "président-7KQ2-M9XD", "assesseur-1": "assesseur-4HPA-22QW"}


def package_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "scrutin-machine-package/v1",
        "commune": {"name": "Villeneuve-sur-Essai", "insee": "94078"},
        "bureau": {"number": "3", "name": "École Jules-Ferry"},
        "date": "2027-03-14",
        "opening": "08:00",
        "closing": "18:00",
        "terminals": 2,
        "members": [
            {"role": "president", "name": "Claire Martin"},
            {"role": "assessor", "name": "Paul Durand", "key_holder": True},
            {"role": "secretary", "name": "Nadia Benali"},
        ],
        "scrutins": [
            {
                "id": "municipales",
                "preset": "municipal",
                "title": "Élection des conseillers municipaux",
                "seats": 29,
                "registered": 900,
                "lists": [
                    {"id": f"l{i}", "name": f"Liste {name}", "detail": f"Tête de liste {name}",
                     "members": [f"{name} {j}" for j in range(1, 30)]}
                    for i, name in enumerate(("Avenir", "Ensemble", "Renouveau"), 1)
                ],
            },
            {
                "id": "departementales",
                "preset": "departmental",
                "title": "Élection des conseillers départementaux",
                "constituency": "Canton de Villeneuve",
                "seats": 1,
                "registered": 900,
                "candidates": [
                    {"id": "b1", "name": "Mme Roux et M. Petit"},
                    {"id": "b2", "name": "Mme Lefèvre et M. Garnier"},
                ],
            },
        ],
    }  # fmt: skip
    doc.update(changes)
    return doc


@pytest.fixture
def key_files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "cles").mkdir()
    return {h: tmp_path / "cles" / f"{h}.cle" for h in CODES}


PUBLISHER = nacl.signing.SigningKey(bytes(range(32)))


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The signed release manifest of the code under test (RT 4)."""
    path = tmp_path_factory.mktemp("release") / "release.json"
    path.write_bytes(canonical_json(selftest.release_manifest(PUBLISHER, "essai")))
    return path


def self_test(m: Machine, release: Path) -> list[selftest.Check]:
    """The bureau runs the self-test with every terminal answering."""
    return selftest.run(m, dict.fromkeys(m.state.terminals, time.monotonic()), release)


@pytest.fixture
def prepared(tmp_path: Path, key_files: dict[str, Path], release: Path) -> Callable[..., Machine]:
    def make(
        now: Callable[[], datetime] | None = None, *, tested: bool = True, **changes: Any
    ) -> Machine:
        internal, removable = tmp_path / "interne", tmp_path / "amovible"
        doc = package_doc(release_key=public_key_hex(PUBLISHER), **changes)
        files.prepare(doc, internal, removable, CODES, key_files)
        m = Machine(internal, removable, now=now or (lambda: datetime.now(UTC)))
        if tested:
            assert all(c.ok for c in self_test(m, release))
        return m

    return make
