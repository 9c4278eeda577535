"""A small simulated record shared by the verifier tests (copied before any mutation)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scrutin.record.simulate import simulate

SMALL = (("ccir", 3, 2), ("ccit", 4, 1))


@pytest.fixture(scope="session")
def pristine_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("record") / "rec"
    simulate(out, 6, questions=SMALL, assessors=3, threshold=2, seed=7)
    return out


@pytest.fixture
def record(pristine_record: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "rec"
    shutil.copytree(pristine_record, copy)
    return copy
