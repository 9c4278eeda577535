"""A storage copy cut at any byte (power cut while copying, damaged medium) loses no ballot and
no journal entry while the other copy is whole, and the damaged copy is named (RT 69)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.machine.core.journal import Journal, read_entries
from scrutin.machine.core.store import HEADER, SlotStore

LABEL = bytes(range(32))
SLOT, SLOTS = 256, 64
NAMES = ("interne", "amovible")


def _paths(root: Path, ext: str) -> dict[str, Path]:
    return {n: root / f"{n}.{ext}" for n in NAMES}


@settings(max_examples=60, deadline=None)
@given(
    votes=st.integers(min_value=0, max_value=20),
    victim=st.sampled_from(NAMES),
    cut=st.floats(min_value=0.0, max_value=0.999_999),
)
def test_rt_69_a_ballot_copy_cut_anywhere_is_rebuilt_from_the_other(
    votes: int, victim: str, cut: float
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = _paths(Path(tmp), "slots")
        store = SlotStore.create(paths, SLOT, SLOTS, LABEL)
        payloads = sorted(f'{{"bulletin":{i}}}'.encode() for i in range(votes))
        for p in payloads:
            store.put(p)
        store.close()
        whole = paths[victim].read_bytes()
        offset = int(cut * len(whole))
        with paths[victim].open("r+b") as f:
            f.truncate(offset)
        again, report = SlotStore.open(paths, LABEL)
        assert sorted(again.ballots()) == payloads
        assert again.used == votes and len(again.free) == SLOTS - votes
        assert report.rebuilt == {victim} and victim in report.damaged_copies
        assert paths["interne"].read_bytes() == paths["amovible"].read_bytes() == whole
        again.close()


@settings(max_examples=60, deadline=None)
@given(
    events=st.integers(min_value=1, max_value=15),
    victim=st.sampled_from(NAMES),
    cut=st.floats(min_value=0.0, max_value=0.999_999),
)
def test_rt_69_a_journal_copy_cut_anywhere_is_completed_from_the_other(
    events: int, victim: str, cut: float
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = _paths(Path(tmp), "jsonl")
        journal = Journal(paths)
        for i in range(events):
            journal.append("2027-03-14T08:00:00+01:00", "test", "machine", f"événement {i}")
        whole = paths[victim].read_bytes()
        with paths[victim].open("r+b") as f:
            f.truncate(int(cut * len(whole)))
        again = Journal(paths)
        assert [e.text for e in again.entries] == [f"événement {i}" for i in range(events)]
        assert again.repaired == [victim]
        assert read_entries(paths[victim])[0] == again.entries


def test_rt_69_both_headers_destroyed_is_refused_in_french(tmp_path: Path) -> None:
    import pytest

    from scrutin.machine.core.store import StoreError

    paths = _paths(tmp_path, "slots")
    SlotStore.create(paths, SLOT, SLOTS, LABEL).close()
    for p in paths.values():
        with p.open("r+b") as f:
            f.truncate(HEADER // 2)
    with pytest.raises(StoreError, match="n'est pas un fichier de bulletins"):
        SlotStore.open(paths, LABEL)
