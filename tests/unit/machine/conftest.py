"""Shared fixtures of the voting machine's framework-free core: a town hall's package with a
municipal list scrutin and a departmental binôme scrutin the same day (RT 25, 30)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scrutin.machine.core import files
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


@pytest.fixture
def prepared(tmp_path: Path, key_files: dict[str, Path]) -> Callable[..., Machine]:
    def make(now: Callable[[], datetime] | None = None, **changes: Any) -> Machine:
        internal, removable = tmp_path / "interne", tmp_path / "amovible"
        files.prepare(package_doc(**changes), internal, removable, CODES, key_files)
        return Machine(internal, removable, now=now or (lambda: datetime.now(UTC)))

    return make
