"""The seals checked at any time (CCTP 4.2.2.2, 4.1.4.8 "vérifier que l'ensemble des données de
vote sont scellées"): ``scrutin verify --seals`` on what the platform publishes, during the vote
against the live server while voters cast, and ``scrutin urns check-seals`` recomputing the
sealed fingerprints from the database, read-only."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.electoral.models import Elector, Urn
from scrutin.platform.sealing import checks, documents, services
from scrutin.platform.sealing.models import UrnSeal
from scrutin.platform.voting import cast
from scrutin.verify import seals as verifier
from scrutin.verify.seals import verify_seals

from .conftest import ballot_for, electors_of

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
SCRUTIN = [sys.executable, "-c", "from scrutin.cli.main import main; main()"]


def export(tmp_path: Path) -> Path:
    _register()
    result = CliRunner().invoke(app, ["urns", "export-seals", str(tmp_path / "seals")])
    assert result.exit_code == 0, result.output
    return tmp_path / "seals"


def test_the_verifier_lists_the_code_as_the_platform_seals_it() -> None:
    """Two implementations of docs/protocol.md §14.1 (platform and independent verifier)."""
    assert verifier.code_files(documents.package_root()) == documents.code_files()


def test_cctp_4_2_2_2_what_the_platform_publishes_verifies(
    open_vote: dict[str, Urn], tmp_path: Path
) -> None:
    urn = open_vote["011-C"]
    for i, elector in enumerate(electors_of(urn)[:3]):
        cast.cast_ballot(elector, ballot_for(urn, i))
    services.close_urn(urn, reason="décision")
    services.unseal_platform(user=None, reference="Décision 7", reason="correctif")
    services.seal_platform()
    report = verify_seals(str(export(tmp_path)))
    assert report.valid, report.render()
    assert "1 urne(s) close(s) et scellée(s)" in report.render()


def test_cctp_4_2_2_2_a_seal_altered_in_the_database_is_detected(
    open_vote: dict[str, Urn], tmp_path: Path
) -> None:
    seal = UrnSeal.objects.get(urn__code="011-I")
    seal.document["electors"]["count"] += 1
    seal.save()
    report = verify_seals(str(export(tmp_path)))
    assert not report.valid
    assert "scellement de l'urne 011-I : signature invalide" in report.render()
    findings = {f.what: f for f in checks.check_seals()}
    assert not findings["Urne 011-I : scellement"].ok


def test_cctp_4_2_2_2_verify_during_the_vote_against_the_live_server(
    open_vote: dict[str, Urn], live_server: Any
) -> None:
    """The verifier runs (another process, GET requests only) while voters keep casting."""
    urn = open_vote["011-C"]
    voters = electors_of(urn)
    ballots = [ballot_for(urn, i) for i in range(len(voters))]
    verifying = subprocess.Popen([*SCRUTIN, "verify", "--seals", live_server.url, "--site", live_server.url],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    trackers, during = [], 0
    for voter, ballot in zip(voters, ballots, strict=True):
        trackers.append(cast.cast_ballot(voter, ballot).tracker)
        during += verifying.poll() is None  # this cast was accepted while the verifier ran
    output, _ = verifying.communicate(timeout=300)
    assert verifying.returncode == 0, output
    assert "ressources servies par" in output and "scellement n° 1 en vigueur" in output
    assert during >= 1 and len(set(trackers)) == len(voters)


def test_cctp_4_1_4_6_check_seals_recomputes_lists_candidatures_and_code(
    open_vote: dict[str, Urn], tmp_path: Path
) -> None:
    findings = checks.check_seals()
    wrong = [f.render() for f in findings if not f.ok and "Plate-forme" not in f.what]
    assert wrong == []
    assert {f.what for f in findings} >= {"Urne 011-C : liste électorale", "Urne 011-C : candidatures",
                                          "Urne 011-C : élection", "Urne 011-C : détenteurs de clés"}  # fmt: skip
    # an elector changed behind the seal's back (the pages refuse it: straight to the database)
    Elector.objects.filter(number=electors_of(open_vote["011-C"])[0].number).update(
        usage_name="AUTRE"
    )
    bad = {f.what: f.detail for f in checks.check_seals() if not f.ok}
    assert "Urne 011-C : liste électorale" in bad and "Urne 011-I : liste électorale" not in bad
    # the code: a copy of the running package with one file changed
    copy = tmp_path / "scrutin"
    shutil.copytree(documents.package_root(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "platform" / "voting" / "cast.py").write_text("# remplacé\n")
    code = checks.check_platform_seal(services.platform_seal_in_force(), copy)[0]  # type: ignore[arg-type]
    # (other files differ too only if someone edits the checkout during the test)
    assert not code.ok and "modifiés : " in code.detail and "platform/voting/cast.py" in code.detail


def test_cli_check_seals_exit_code(open_vote: dict[str, Urn]) -> None:
    _register()
    runner = CliRunner()
    Elector.objects.filter(urn=open_vote["011-I"]).update(usage_name="AUTRE")
    result = runner.invoke(app, ["urns", "check-seals"])
    assert result.exit_code == 1
    assert (
        "[ÉCART ] Urne 011-I : liste électorale" in result.output
        and "écart(s) avec les scellements" in result.output
    )
