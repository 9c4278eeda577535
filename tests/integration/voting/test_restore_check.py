"""``scrutin ops restore-check``: after a restore, casts cut by the restore point are settled,
then ballots = émargements urn by urn, or the command says not to reopen (issue 18, R713-24).
The whole restore is exercised by tests/integration/test_backup_drill.py."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scrutin.cli import main as cli_main
from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.electoral.models import Urn
from scrutin.platform.voting import cast
from scrutin.platform.voting.consistency import check_after_restore
from scrutin.platform.voting.models import CastIntent, Emargement

from .conftest import ballot_for, elector

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def _run() -> tuple[int, str]:
    if not cli_main.app.registered_groups:
        cli_main._register()
    result = CliRunner().invoke(cli_main.app, ["ops", "restore-check"], catch_exceptions=False)
    return result.exit_code, result.output


def test_a_cast_cut_after_its_ballot_is_completed_then_counts_match(
    open_urn: Urn, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in (1, 2):
        cast.cast_ballot(elector(n), ballot_for(open_urn))

    # a restore point between the ballot's commit and the émargement's
    def cut(name: str) -> None:
        if name == "after-ballot":
            raise SystemExit(name)

    monkeypatch.setattr(cast, "_crash_point", cut)
    with pytest.raises(SystemExit, match="after-ballot"):
        cast.cast_ballot(elector(3), ballot_for(open_urn))
    monkeypatch.undo()
    assert CastIntent.objects.count() == 1
    code, output = _run()
    assert code == 0, output
    assert "1 terminé(s), 0 abandonné(s)" in output
    assert "Urne 011-C : 3 bulletin(s), 3 émargement(s) — égaux" in output
    assert "VERDICT : bulletins = émargements dans les 1 urne(s)." in output
    assert Emargement.objects.count() == 3 and CastIntent.objects.count() == 0


def test_databases_restored_to_different_moments_are_refused(open_urn: Urn) -> None:
    for n in (1, 2):
        cast.cast_ballot(elector(n), ballot_for(open_urn))
    Emargement.objects.filter(elector_number=elector(2).number).delete()  # default restored earlier
    report = check_after_restore()
    assert not report.ok
    assert [(u.code, u.ballots, u.emargements) for u in report.urns] == [("011-C", 2, 1)]
    code, output = _run()
    assert code == 1
    assert "DIFFÉRENTS" in output and "NE PAS ROUVRIR" in output
    assert Ballot.objects.using("ballotbox").count() == 2  # the check changes nothing else
