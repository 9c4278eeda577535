"""Property: any modification, deletion, insertion, reordering, truncation of an exported journal
or forgery of a checkpoint is detected, and located at the right sequence (CCTP 4.2.2.1)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.verify.journal import entry_hash, verify_export
from tests.unit.audit.builder import make_entry, make_journal, rehash_from

CONTENT_FIELDS = ("recorded_at", "event", "type", "actor", "role", "perimeter", "cci", "urn",
                  "data", "previous_hash")  # fmt: skip


def _changed(value: Any) -> Any:
    if isinstance(value, dict):
        return {**value, "extra": 1}
    if value is None:
        return "974"
    if isinstance(value, str) and len(value) == 64:
        return ("f" if value[0] != "f" else "e") + value[1:]
    return f"{value}x"


journals = st.builds(make_journal, st.integers(1, 25), st.integers(1, 6))


@settings(max_examples=150, deadline=None)
@given(journals, st.data())
def test_cctp_4_2_2_1_valid_journal_verifies(journal: Any, data: Any) -> None:
    assert verify_export(journal.export()).valid


@settings(max_examples=200, deadline=None)
@given(journals, st.data())
def test_cctp_4_2_2_1_modified_field_is_located(journal: Any, data: Any) -> None:
    export = journal.export()
    index = data.draw(st.integers(0, len(export.entries) - 1))
    name = data.draw(st.sampled_from(CONTENT_FIELDS))
    entry = export.entries[index]
    entry[name] = _changed(entry[name])
    report = verify_export(export)
    assert not report.valid
    assert min(p.sequence or 0 for p in report.problems) == index + 1


@settings(max_examples=200, deadline=None)
@given(journals, st.data())
def test_cctp_4_2_2_1_modified_and_rehashed_entry_is_located(journal: Any, data: Any) -> None:
    """The forger recomputes the modified entry's own hash: the next link or the checkpoint
    breaks, right there."""
    export = journal.export()
    index = data.draw(st.integers(0, len(export.entries) - 1))
    entry = export.entries[index]
    entry["data"] = {**entry["data"], "forged": True}
    entry["hash"] = entry_hash(entry)
    report = verify_export(export)
    assert not report.valid
    assert min(p.sequence or 0 for p in report.problems) in {index + 1, index + 2}


@settings(max_examples=200, deadline=None)
@given(journals, st.data())
def test_cctp_4_2_2_1_deletion_is_located(journal: Any, data: Any) -> None:
    export = journal.export()
    index = data.draw(st.integers(0, len(export.entries) - 1))
    del export.entries[index]
    report = verify_export(export)
    assert not report.valid
    assert min(p.sequence or 0 for p in report.problems) == index + 1


@settings(max_examples=200, deadline=None)
@given(journals, st.data())
def test_cctp_4_2_2_1_forged_insertion_is_located(journal: Any, data: Any) -> None:
    """A well-formed entry with the right sequence and link, inserted before entry n."""
    export = journal.export()
    index = data.draw(st.integers(0, len(export.entries) - 1))
    previous = export.entries[index - 1]["hash"] if index else "0" * 64
    forged = make_entry(index + 1, previous, data={"forged": True})
    export.entries.insert(index, forged)
    report = verify_export(export)
    assert not report.valid
    assert min(p.sequence or 0 for p in report.problems) == index + 1


@settings(max_examples=150, deadline=None)
@given(journals, st.data())
def test_cctp_4_2_2_1_replayed_entry_is_located(journal: Any, data: Any) -> None:
    export = journal.export()
    source = data.draw(st.integers(0, len(export.entries) - 1))
    target = data.draw(st.integers(source + 1, len(export.entries)))
    export.entries.insert(target, dict(export.entries[source]))
    report = verify_export(export)
    assert not report.valid
    assert source + 1 in report.locations()


@settings(max_examples=200, deadline=None)
@given(st.builds(make_journal, st.integers(2, 25), st.integers(1, 6)), st.data())
def test_cctp_4_2_2_1_swap_is_located(journal: Any, data: Any) -> None:
    export = journal.export()
    i = data.draw(st.integers(0, len(export.entries) - 2))
    j = data.draw(st.integers(i + 1, len(export.entries) - 1))
    export.entries[i], export.entries[j] = export.entries[j], export.entries[i]
    report = verify_export(export)
    assert not report.valid
    assert min(p.sequence or 0 for p in report.problems) == i + 1


@settings(max_examples=150, deadline=None)
@given(st.builds(make_journal, st.integers(2, 25), st.integers(1, 6)), st.data())
def test_cctp_4_2_2_1_truncation_is_located(journal: Any, data: Any) -> None:
    export = journal.export()
    keep = data.draw(st.integers(0, len(export.entries) - 1))
    del export.entries[keep:]
    report = verify_export(export)
    assert not report.valid
    assert min(p.sequence or 0 for p in report.problems) == keep + 1


@settings(max_examples=150, deadline=None)
@given(journals, st.data())
def test_cctp_4_2_2_1_forged_checkpoint_is_located(journal: Any, data: Any) -> None:
    export = journal.export()
    checkpoint = data.draw(st.sampled_from(export.checkpoints))
    name = data.draw(st.sampled_from(["hash", "signed_at", "signature", "sequence"]))
    if name == "sequence":
        checkpoint["sequence"] += data.draw(st.integers(1, 3))
    else:
        checkpoint[name] = _changed(checkpoint[name])
        if name == "signature":
            checkpoint[name] = ("0" if checkpoint[name][0] != "0" else "1") + checkpoint[name][1:]
    report = verify_export(export)
    assert not report.valid
    assert checkpoint["sequence"] in report.locations()


@settings(max_examples=150, deadline=None)
@given(st.builds(make_journal, st.integers(2, 25), st.integers(1, 6)), st.data())
def test_cctp_4_2_2_1_rewritten_tail_is_caught_by_the_next_checkpoint(
    journal: Any, data: Any
) -> None:
    """A forger rewrites entry n and re-chains everything after it: only the signatures
    stand in the way, and the report names the checkpoint interval that contains n."""
    export = journal.export()
    index = data.draw(st.integers(0, len(export.entries) - 1))
    export.entries[index]["actor"] = "intrus@exemple.test"
    rehash_from(export.entries, index)
    report = verify_export(export)
    assert not report.valid
    covering = min(c["sequence"] for c in export.checkpoints if c["sequence"] >= index + 1)
    assert covering in report.locations()
