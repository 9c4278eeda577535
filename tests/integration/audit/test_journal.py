"""The hash-chained journal in the database: appends, checkpoints, export, verification of a
tampered table, concurrent writers (CCTP 4.2.2.1)."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.audit import journal
from scrutin.platform.audit.journal import record_event
from scrutin.platform.audit.models import ChainHead, Checkpoint, JournalEntry, VerificationRun
from scrutin.verify.journal import entry_hash, read_export, verify_export
from tests.conftest import on_postgresql

pytestmark = pytest.mark.django_db
runner = CliRunner()
_register()


def _fill(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        record_event("accounts:user:login-failed", data={"username": f"u{i}@cci.test", "ip": "-"})


def test_cctp_4_2_2_1_entries_are_chained_and_hashed(settings: Any) -> None:
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 1000
    _fill(4)
    entries = list(JournalEntry.objects.order_by("sequence"))
    assert [e.sequence for e in entries] == [1, 2, 3, 4]
    assert entries[0].previous_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.hash
    for e in entries:
        assert e.hash == entry_hash(journal.entry_document(e))
        assert e.actor_role == "système" and e.recorded_at.tzinfo is not None
    head = ChainHead.objects.get()
    assert (head.sequence, head.hash) == (4, entries[-1].hash)


def test_cctp_4_2_2_1_checkpoint_every_n_entries_is_signed(settings: Any) -> None:
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 3
    _fill(7)
    assert list(Checkpoint.objects.order_by("sequence").values_list("sequence", flat=True)) == [
        3,
        6,
    ]
    assert journal.sign_checkpoint().sequence == 7  # type: ignore[union-attr]
    report = journal.verify_database()
    assert report.valid, report.render()
    assert report.last_checkpoint == 7 and VerificationRun.objects.get().valid


@pytest.mark.parametrize(
    ("data", "error"),
    [({"x": 1.5}, "no floats"), ({"nested": [{"choices": ["A"]}]}, "never journaled"),
     ({"password": "x"}, "never journaled")],
)  # fmt: skip
def test_invalid_data_is_refused(data: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        record_event("accounts:user:login", data=data)
    assert not JournalEntry.objects.exists()


def test_complete_event_needs_its_outcome() -> None:
    with pytest.raises(ValueError, match="outcome"):
        record_event("electors:file:import-complete", data={"run": 1})
    with pytest.raises(KeyError):
        record_event("urn:seal:forge", data={})


def test_cctp_4_2_2_1_cli_export_then_verify_the_file(tmp_path: Path, settings: Any) -> None:
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 4
    _fill(6)
    out = tmp_path / "journal.jsonl"
    result = runner.invoke(app, ["journal", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 entrée(s), 2 point(s)" in result.output  # the export itself is journaled (7)
    ok = runner.invoke(app, ["journal", "verify", str(out)])
    assert ok.exit_code == 0 and "journal intègre" in ok.output
    lines = out.read_bytes().splitlines()
    lines[3] = lines[3].replace(b"u2@cci.test", b"u9@cci.test")
    out.write_bytes(b"\n".join(lines) + b"\n")
    bad = runner.invoke(app, ["journal", "verify", str(out)])
    assert bad.exit_code == 1
    assert "entrée 3 : contenu modifié" in bad.output
    # the checkpoints kept apart still verify the untouched part
    assert verify_export(read_export(out)).locations() == {3}


def test_cctp_4_2_2_1_cli_verify_database_pinpoints_a_row_altered_by_sql(settings: Any) -> None:
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 1000
    _fill(5)
    assert runner.invoke(app, ["journal", "verify", "--database"]).exit_code == 0
    table = JournalEntry._meta.db_table
    with connection.cursor() as cursor:
        sql = f"UPDATE {table} SET actor_perimeter = %s WHERE sequence = %s"  # noqa: S608
        cursor.execute(sql, ["NATIONAL", 3])
    result = runner.invoke(app, ["journal", "verify", "--database"])
    assert result.exit_code == 1
    assert "entrée 3 : contenu modifié" in result.output
    assert "entrée 4" not in result.output  # the links around it still hold


def test_cctp_4_2_2_1_rows_deleted_at_the_end_are_seen_through_the_chain_head(
    settings: Any,
) -> None:
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 1000
    _fill(5)
    JournalEntry.objects.filter(sequence__gte=4).delete()
    report = journal.verify_database()
    assert not report.valid and 4 in report.locations()


def test_cctp_4_2_2_1_entry_deleted_in_the_middle_is_located(settings: Any) -> None:
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 1000
    _fill(5)
    JournalEntry.objects.filter(sequence=2).delete()
    report = journal.verify_database()
    assert min(p.sequence or 0 for p in report.problems) == 2


def test_cli_refuses_ambiguous_arguments(tmp_path: Path) -> None:
    assert runner.invoke(app, ["journal", "verify"]).exit_code == 2
    missing = runner.invoke(app, ["journal", "verify", str(tmp_path / "absent.jsonl")])
    assert missing.exit_code == 2 and "illisible" in missing.output


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgresql(), reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_cctp_4_2_2_1_concurrent_appends_never_fork_the_chain(settings: Any) -> None:
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 7
    threads, per_thread = 8, 15
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                record_event("accounts:user:login-failed",
                             data={"username": f"t{number}-{i}", "ip": "-"})  # fmt: skip
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    total = threads * per_thread
    assert list(
        JournalEntry.objects.order_by("sequence").values_list("sequence", flat=True)
    ) == list(range(1, total + 1))
    assert JournalEntry.objects.values("previous_hash").distinct().count() == total
    report = journal.verify_database()
    assert report.valid, report.render()
    assert report.last_checkpoint == total - total % 7


def test_cctp_4_2_2_1_checkpoints_kept_by_a_coe_catch_a_later_rewrite(
    tmp_path: Path, settings: Any
) -> None:
    """The COE keeps the checkpoints-only export; a later export whose entries were rewritten,
    re-chained and stripped of their own checkpoints fails against them."""
    import json

    from scrutin.verify.journal import dump_line
    from tests.unit.audit.builder import rehash_from

    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 1000
    _fill(5)
    kept = tmp_path / "points.jsonl"
    assert (
        runner.invoke(
            app, ["journal", "export", "--checkpoints-only", "--out", str(kept)]
        ).exit_code
        == 0
    )
    full = tmp_path / "journal.jsonl"
    assert runner.invoke(app, ["journal", "export", "--out", str(full)]).exit_code == 0
    ok = runner.invoke(app, ["journal", "verify", str(full), "--checkpoints", str(kept)])
    assert ok.exit_code == 0, ok.output
    lines = [json.loads(x) for x in full.read_bytes().splitlines()]
    header, entries = lines[0], [x for x in lines if x["kind"] == "entry"]
    entries[1]["data"]["username"] = "autre@cci.test"
    rehash_from(entries, 1)
    forged = tmp_path / "forged.jsonl"
    forged.write_bytes(b"".join(dump_line(x) for x in [header, *entries]))
    # alone, a file without checkpoints fails; with the kept ones, the rewrite is located
    result = runner.invoke(app, ["journal", "verify", str(forged), "--checkpoints", str(kept)])
    assert result.exit_code == 1
    assert "entrée 6 : l'entrée ne correspond pas à l'empreinte signée" in result.output
    assert "entre les entrées 1 et 6" in result.output
