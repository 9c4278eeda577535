"""Fixtures: a structure and electors loaded through the real imports, the dispatch operator's
key pair registered, exports written under a temporary VAR_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from scrutin.platform.credentials import services
from scrutin.platform.credentials.export import generate_keypair
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import ImportRun

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5)])
REUNION = ("974", "CCI de La Réunion", [("C", "Commerce", "", "", 0, 8)])
COUNTS = {"011": 60, "974": 15}


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    with override_settings(VAR_DIR=tmp_path / "var"):
        yield tmp_path / "var"


@pytest.fixture
def electors(tmp_path: Path) -> dict[str, int]:
    structure = tmp_path / "structure.csv"
    generate.write_csv(
        structure, generate.STRUCTURE_HEADER, generate.structure_rows([AIN, REUNION])
    )
    run = imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(structure))
    )
    assert run.status == "accepted"
    for code, _, urns in (AIN, REUNION):
        path = tmp_path / f"electeurs-{code}.csv"
        rows = generate.elector_rows(
            code, [(u[0], u[2]) for u in urns], COUNTS[code], seed=int(code)
        )
        generate.write_csv(path, generate.ELECTORS_HEADER, rows)
        run = imports.import_electors(
            ImportRun.objects.create(kind="electors", filename="e", path=str(path))
        )
        assert run.status == "accepted", list(run.issues.all()[:3])
    return COUNTS


@pytest.fixture
def operator_keys() -> tuple[bytes, bytes]:
    """The dispatch operator's (private, public) key, the public half registered."""
    private, public = generate_keypair()
    services.register_recipient(public, "Opérateur de test")
    return private, public
