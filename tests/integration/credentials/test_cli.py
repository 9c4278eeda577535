"""``scrutin credentials …`` end to end (issue 5): operator key pair, registration of its public
half, generation with its export, regeneration, and the operator's decrypt-export."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutin.cli import main as cli_main
from scrutin.platform.credentials import services
from scrutin.platform.credentials.models import Credential, GenerationRun, RecipientKey
from scrutin.platform.electoral.models import Elector

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"])


@pytest.fixture(scope="module")
def app():  # type: ignore[no-untyped-def]
    if not cli_main.app.registered_groups:
        cli_main._register()
    return cli_main.app


def invoke(app, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["credentials", *args], catch_exceptions=False)


def test_keygen_recipient_generate_and_decrypt_export(
    app, tmp_path: Path, electors: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "keygen", str(tmp_path / "operateur"))
    assert result.exit_code == 0, result.output
    private = tmp_path / "operateur.cle"
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert invoke(app, "keygen", str(tmp_path / "operateur")).exit_code == 1  # never overwrites
    result = invoke(app, "recipient", str(tmp_path / "operateur.pub"), "--label", "Routeur")
    assert result.exit_code == 0 and RecipientKey.objects.get(active=True).label == "Routeur"

    result = invoke(app, "generate", "--cci", "974")
    assert result.exit_code == 0, result.output
    run = GenerationRun.objects.get()
    assert (
        f"{run.count} identifiants générés" in result.output and run.export_sha256 in result.output
    )
    assert Credential.objects.count() == electors["974"]

    out = tmp_path / "codes.csv"
    result = invoke(
        app, "decrypt-export", run.export_path, "--key", str(private), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert run.export_sha256 in result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][:2] == ["identifiant", "code"] and len(rows) == 1 + electors["974"]
    assert all(services.authenticate(r[0], r[1]) is not None for r in rows[1:])
    # the codes never appear in what the platform side printed
    assert all(r[1] not in result.output for r in rows[1:])

    assert invoke(app, "generate", "--cci", "974").exit_code == 1  # already generated: refused
    result = invoke(app, "generate", "--cci", "974", "--regenerate-all")
    assert result.exit_code == 1 and "motif" in result.output
    result = invoke(app, "generate", "--all", "--missing")
    assert result.exit_code == 0 and Credential.objects.count() == sum(electors.values())


def test_regenerate_and_wrong_key(app, tmp_path: Path, electors: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    invoke(app, "keygen", str(tmp_path / "op"))
    invoke(app, "recipient", str(tmp_path / "op.pub"))
    invoke(app, "keygen", str(tmp_path / "autre"))
    assert invoke(app, "generate", "--cci", "011").exit_code == 0
    number = Elector.objects.filter(cci_code="011").first().number  # type: ignore[union-attr]
    result = invoke(app, "regenerate", number, "--reason", "courrier perdu")
    assert result.exit_code == 0, result.output
    run = GenerationRun.objects.latest("id")
    assert run.mode == "one" and run.reason == "courrier perdu"
    result = invoke(app, "decrypt-export", run.export_path, "--key", str(tmp_path / "autre.cle"))
    assert result.exit_code == 1 and "autre clé" in result.output
    assert invoke(app, "generate").exit_code == 2
    assert invoke(app, "generate", "--cci", "999").exit_code == 2
