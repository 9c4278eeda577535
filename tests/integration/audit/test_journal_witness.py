"""Issue 12 item 9: the tail of the journal after the last signed checkpoint cannot be truncated
unseen — the signed chain head of every append is kept outside the database (witness file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.audit import journal, witness
from scrutin.platform.audit.journal import record_event
from scrutin.platform.audit.models import ChainHead, Checkpoint, JournalEntry
from scrutin.verify.journal import read_export

pytestmark = pytest.mark.django_db(transaction=True)  # the witness is written after the commit
runner = CliRunner()
_register()


@pytest.fixture(autouse=True)
def _witness_dir(settings: Any, tmp_path: Path) -> None:
    settings.SCRUTIN_JOURNAL_WITNESS_DIR = str(tmp_path / "witness")
    settings.SCRUTIN_JOURNAL_CHECKPOINT_EVERY = 100


def _fill(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        record_event("accounts:user:login-failed", data={"username": f"u{i}@cci.test", "ip": "-"})


def _truncate_after(sequence: int) -> None:
    """The attack of the review: delete the entries after the last signed checkpoint (and any
    checkpoint after it), move the chain head back to that entry."""
    JournalEntry.objects.filter(sequence__gt=sequence).delete()
    Checkpoint.objects.filter(sequence__gt=sequence).delete()
    kept = JournalEntry.objects.get(sequence=sequence)
    ChainHead.objects.filter(pk=1).update(sequence=sequence, hash=kept.hash)


def test_issue_12_9_tail_truncated_to_the_last_checkpoint_is_detected_by_verify_database() -> None:
    _fill(150)
    assert journal.verify_database(save=False).valid
    _truncate_after(100)  # the last signed checkpoint: entries 101–150 (50 of them) removed
    report = journal.verify_database(save=False)
    assert not report.valid
    assert 101 in report.locations()
    assert any("tronqué" in p.message and "150" in p.message for p in report.problems)


def test_issue_12_9_witness_is_a_checkpoints_file_for_verify_of_an_export(tmp_path: Path) -> None:
    _fill(30)
    first = JournalEntry.objects.get(sequence=1).hash
    heads = witness.witness_path(first)
    lines = [json.loads(x) for x in heads.read_bytes().splitlines()]
    assert lines[0]["kind"] == "header"
    assert [x["sequence"] for x in lines[1:]] == list(range(1, 31))  # one signed head per append
    _truncate_after(12)
    out = tmp_path / "journal.jsonl"
    assert runner.invoke(app, ["journal", "export", "--out", str(out)]).exit_code == 0
    alone = runner.invoke(app, ["journal", "verify", str(out)])
    assert alone.exit_code == 0, alone.output  # the truncated export is consistent by itself…
    checked = runner.invoke(app, ["journal", "verify", str(out), "--checkpoints", str(heads)])
    assert checked.exit_code == 1 and "tronqué" in checked.output  # …not against the witness


def test_issue_12_9_a_rolled_back_action_leaves_no_witness_line() -> None:
    _fill(3)

    def failing_action() -> None:
        with transaction.atomic():
            record_event("accounts:user:login-failed", data={"username": "x", "ip": "-"})
            raise RuntimeError("the action fails: its journal entry goes with it")

    with pytest.raises(RuntimeError):
        failing_action()
    report = journal.verify_database(save=False)
    assert report.valid, report.render()
    first = JournalEntry.objects.get(sequence=1).hash
    assert witness.latest(first)["sequence"] == 3  # type: ignore[index]


def test_issue_12_9_a_rewritten_head_is_detected() -> None:
    _fill(5)
    entry = JournalEntry.objects.get(sequence=5)
    JournalEntry.objects.filter(sequence=5).update(hash="0" * 64)
    ChainHead.objects.filter(pk=1).update(hash="0" * 64)
    report = journal.verify_database(save=False)
    assert any("témoin" in p.message for p in report.problems), report.render()
    assert entry.hash != "0" * 64


def test_issue_12_9_published_signed_head_catches_a_later_truncation(
    client: Any, tmp_path: Path
) -> None:
    from django.core.cache import cache

    _fill(30)
    response = client.get("/scellements/journal.jsonl")  # public: no sign-in
    assert response.status_code == 200
    kept = tmp_path / "tete.jsonl"
    kept.write_bytes(response.content)
    (head,) = read_export(kept).checkpoints
    assert head["sequence"] == 30
    cache.clear()
    _truncate_after(12)
    out = tmp_path / "journal.jsonl"
    assert runner.invoke(app, ["journal", "export", "--out", str(out)]).exit_code == 0
    checked = runner.invoke(app, ["journal", "verify", str(out), "--checkpoints", str(kept)])
    assert checked.exit_code == 1 and "tronqué" in checked.output
