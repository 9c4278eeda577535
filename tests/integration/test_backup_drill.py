"""The backup and point-in-time restore drill, short form (issue 18, CCTP 4.2.2.3: no data loss).

Runs ``deploy/backup_drill.py`` on two throwaway PostgreSQL clusters of its own (free ports, a
folder under /tmp): a real election on both databases, base backups during the vote, a restore
into new clusters at a target time, ``scrutin verify`` on the closed urn's record, ballots =
émargements, and the restores after losing both primaries. It needs PostgreSQL's server
binaries, which scripts/install-system.sh installs: without them this test **fails**.
No timing is asserted; the figures are printed (``-s``) and measured by bench/restore.py.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("backup_drill", REPO / "deploy" / "backup_drill.py")
assert _spec is not None
assert _spec.loader is not None
drill = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = drill
_spec.loader.exec_module(drill)


def test_the_postgresql_server_binaries_are_installed() -> None:
    assert drill.missing_tools() == [], (
        f"PostgreSQL server binaries missing in {drill.PG_BIN}: run scripts/install-system.sh"
    )


def test_cctp_4_2_2_3_point_in_time_restore_of_both_databases_loses_no_acknowledged_ballot() -> (
    None
):
    out = drill.run_drill(electors=24, quick=True)
    print("\n".join(drill.report(out)))
    assert out["failures"] == []
    figures = out["figures"]
    # restored at the target: the 3 ballots of the closed urn and the 6 of the open one
    # acknowledged before it, none of the 3 cast after it (checked tracker by tracker), and the
    # cast cut after storing its ballot completed by `scrutin ops restore-check` (the one cut
    # after its intent dropped)
    assert figures["pitr_ballots"] == {"011-C": 3, "011-I": 7}
    assert figures["pitr_expected"] == 9
    check = figures["restore_check"]
    assert "1 terminé(s), 1 abandonné(s)" in check[0]
    assert check[-1] == "VERDICT : bulletins = émargements dans les 2 urne(s)."
    assert figures["verify_exit_code"] == 0
    assert figures["readiness"] == [200, "prêt"]  # Django on the restored databases
    # the monitoring saw both backup streams connected before the loss
    assert 'scrutin_backup_stream_active{database="default"} 1.0' in figures["backup_metrics"]
    assert 'scrutin_backup_stream_active{database="ballotbox"} 1.0' in figures["backup_metrics"]
    # both primaries lost right after the last acknowledgement: pg_receivewal's copy has it all
    assert figures["rpo_receivewal"] == {"acknowledged": 12, "lost": 0, "seconds": 0.0}
    # the archive alone misses the segment in progress (archive_timeout 60 s): how many ballots
    # that is depends on timing, so it is printed, not asserted
    assert figures["rpo_archive"]["acknowledged"] == 12
    assert not Path(out["root"]).exists()


def test_missing_binaries_stop_the_drill_with_their_names(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(drill, "PG_BIN", tmp_path)
    with pytest.raises(drill.DrillError, match="pg_receivewal"):
        drill.run_drill(electors=4, quick=True)
