"""Property: however the ballots file is cut into ranges, the parallel sum is the in-memory sum of
the parsed ballots, and the first faulty line is the one reported (protocol.md §10)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrutin.crypto.ballot import parse_ballot
from scrutin.crypto.decryption import aggregate, tally_to_json
from scrutin.crypto.params import ElectionParameters, parse_parameters
from scrutin.record import tally as tally_module
from scrutin.record.simulate import simulate
from scrutin.record.tally import TallyError, aggregate_file, tally_document
from tests.strategies.crypto import json_junk

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> tuple[ElectionParameters, list[bytes]]:
    out = tmp_path_factory.mktemp("prop-tally") / "rec"
    simulate(out, 9, questions=(("a", 3, 2), ("b", 2, 1)), assessors=2, threshold=1, seed=5)
    params = parse_parameters(json.loads((out / "election.json").read_bytes()))
    return params, (out / "ballots.jsonl").read_bytes().splitlines()


@contextmanager
def ranges_of_at_least(size: int) -> Iterator[None]:
    saved = tally_module.MIN_RANGE_BYTES
    tally_module.MIN_RANGE_BYTES = size
    try:
        yield
    finally:
        tally_module.MIN_RANGE_BYTES = saved


@SETTINGS
@given(
    count=st.integers(0, 9),
    workers=st.integers(1, 4),
    min_range=st.sampled_from([1, 100, 5_000, 50_000]),
)
def test_parallel_sum_equals_in_memory_aggregate(
    record: tuple[ElectionParameters, list[bytes]],
    tmp_path: Path,
    count: int,
    workers: int,
    min_range: int,
) -> None:
    params, lines = record
    path = tmp_path / "ballots.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines[:count]))
    with ranges_of_at_least(min_range):
        got = aggregate_file(params, path, workers=workers)
    expected = aggregate(params, (parse_ballot(params, json.loads(line)) for line in lines[:count]))
    assert got.ballot_count == count
    assert tally_document(params, got) == tally_to_json(params, expected, count, got.sha256)


@SETTINGS
@given(
    faults=st.lists(st.tuples(st.integers(0, 8), json_junk), min_size=1, max_size=3),
    workers=st.integers(1, 4),
)
def test_first_faulty_line_is_reported_whatever_the_cut(
    record: tuple[ElectionParameters, list[bytes]],
    tmp_path: Path,
    faults: list[tuple[int, object]],
    workers: int,
) -> None:
    params, lines = record
    lines = list(lines)
    for index, junk in faults:
        lines[index] = json.dumps(junk).encode()
    path = tmp_path / "ballots.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    with ranges_of_at_least(1), pytest.raises(TallyError) as caught:
        aggregate_file(params, path, workers=workers)
    assert caught.value.line == 1 + min(index for index, _ in faults)
