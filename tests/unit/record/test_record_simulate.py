"""The simulated record: tracker order, no timestamp, counts match (CCTP 4.1.4.4, RT 66)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scrutin.crypto.group import GROUP_NAMES
from scrutin.record.simulate import simulate
from scrutin.verify.record import verify_record


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_rt_66_ballots_listed_by_tracker_without_timestamp(tmp_path: Path, group: str) -> None:
    summary = simulate(tmp_path / "r", 5, group=group, questions=(("a", 3, 2), ("b", 2, 1)), seed=3)
    lines = (tmp_path / "r" / "ballots.jsonl").read_bytes().splitlines()
    trackers = [hashlib.sha256(line).hexdigest() for line in lines]
    assert trackers == sorted(trackers)
    assert len(set(trackers)) == 5
    for line in lines:
        assert set(json.loads(line)) == {"format", "election", "answers"}
    result = json.loads((tmp_path / "r" / "result.json").read_text(encoding="utf-8"))
    assert [a["counts"] for a in result["answers"]] == summary.counts
    assert result["decrypted_by"][0] == "president"
    assert verify_record(tmp_path / "r", workers=1).valid


def test_empty_urn_decrypts_to_zero(tmp_path: Path) -> None:
    summary = simulate(tmp_path / "r", 0, questions=(("a", 2, 1),), assessors=1, threshold=1)
    assert summary.counts == [[0, 0]]
    assert summary.blank == [0]
    assert verify_record(tmp_path / "r", workers=1).valid
