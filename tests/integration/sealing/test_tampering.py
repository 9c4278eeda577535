"""Seals that cannot be bypassed (issue 19 items 15–16): ``scrutin urns check-seals`` and
``scrutin verify --seals --code`` compare what actually runs and what is actually served — the
bytecode caches of the installed package and the files of ``STATIC_ROOT`` after
``collectstatic`` — not only the sources."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.electoral.models import Urn
from scrutin.platform.sealing import checks, documents, services
from tests.tampering import plant_pyc

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def check_seals_output() -> tuple[int, str]:
    _register()
    result = CliRunner().invoke(app, ["urns", "check-seals"])
    return result.exit_code, result.output


def reseal() -> None:
    services.unseal_platform(user=None, reference="Décision 19", reason="mise en production")
    services.seal_platform()


def test_issue_19_15_a_served_file_changed_after_collectstatic_fails_check_seals(
    open_vote: dict[str, Urn], tmp_path: Path, settings: Any
) -> None:
    settings.STATIC_ROOT = str(tmp_path / "static")
    call_command("collectstatic", interactive=False, verbosity=0)
    reseal()
    seal = services.platform_seal_in_force()
    assert seal is not None
    served = tmp_path / "static" / "voting" / "scrutin-ballot.js"
    assert seal.document["assets"]["files"]["voting/scrutin-ballot.js"] == documents.file_digest(
        served
    )
    code, output = check_seals_output()
    assert code == 0, output
    assert "ressources servies" in output and "STATIC_ROOT" in output
    # the served copy is changed; the application's source folder is untouched
    served.write_text(served.read_text() + "\nfetch('https://ailleurs.example/');\n")
    code, output = check_seals_output()
    assert code == 1, output
    line = next(x for x in output.splitlines() if "ressources servies" in x)
    assert line.startswith("[ÉCART ]") and "modifiés : voting/scrutin-ballot.js" in line
    # a file added to what is served is named too
    (tmp_path / "static" / "voting" / "extra.js").write_text("alert(1)\n")
    bad = {f.what: f.detail for f in checks.check_seals() if not f.ok}
    assert "ajoutés : voting/extra.js" in bad["Plate-forme (scellement n° 2) : ressources servies"]


def test_issue_19_16_a_planted_pyc_fails_check_seals_and_verify_code(
    open_vote: dict[str, Urn], tmp_path: Path
) -> None:
    """A copy of the sealed package, identical, then a ``.pyc`` planted for ``cast.py`` with the
    source's timestamp and size (Python would run it): both checks name it."""
    copy = tmp_path / "site-packages" / "scrutin"
    shutil.copytree(documents.package_root(), copy)  # copy2: modification times kept
    seal = services.platform_seal_in_force()
    assert seal is not None
    assert checks.check_platform_seal(seal, copy)[0].ok
    pyc = plant_pyc(copy / "platform" / "voting" / "cast.py", "def cast_ballot(*a): return None")
    name = pyc.relative_to(copy).as_posix()
    assert name.startswith("platform/voting/__pycache__/cast.")
    code = checks.check_platform_seal(seal, copy)[0]
    assert not code.ok and name in code.detail and "code compilé (.pyc)" in code.detail
    _register()
    runner = CliRunner()
    folder = tmp_path / "seals"
    exported = runner.invoke(app, ["urns", "export-seals", str(folder)])
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(app, ["verify", "--seals", str(folder), "--code", str(copy.parent)])
    assert result.exit_code == 1, result.output
    assert f"{name} " in result.output
