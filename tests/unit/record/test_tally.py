"""Aggregating an urn's ballots file on every core (protocol.md §10; CCTP 4.1.4.8, 4.2.2.2).

The sums are checked by decrypting them with the urn's real threshold keys (president + one
assessor) and comparing with the selections that were encrypted.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from scrutin.crypto import dkg
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.decryption import combine, partial_decrypt, tally_from_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.group import GROUP_NAMES
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint, parse_parameters
from scrutin.record import tally as tally_module
from scrutin.record.simulate import make_questions, run_ceremony
from scrutin.record.tally import TallyError, aggregate_file, can_start_processes, tally_document
from scrutin.record.writer import ballot_line, write_ballots

QUESTIONS = (("ccir", 3, 2), ("ccit", 5, 3))
SELECTIONS = [
    [[1, 0, 1], [1, 1, 1, 0, 0]],
    [[0, 0, 0], [0, 0, 0, 0, 1]],
    [[0, 1, 0], [0, 0, 0, 0, 0]],
    [[1, 1, 0], [1, 0, 0, 1, 1]],
    [[0, 0, 1], [0, 1, 0, 0, 0]],
    [[1, 0, 0], [1, 0, 1, 0, 0]],
    [[0, 0, 0], [0, 0, 0, 0, 0]],
    [[0, 1, 1], [0, 0, 1, 1, 1]],
]


@dataclass(frozen=True)
class Urn:
    params: ElectionParameters
    trustees: dict[str, Any]
    shares: dict[str, int]
    ceremony: dkg.Ceremony
    lines: list[bytes]
    path: Path
    digest: str


def make_urn(directory: Path, group: str, selections: list[list[list[int]]]) -> Urn:
    ceremony = dkg.Ceremony(
        f"tally-{group}", group, dkg.TrusteeId("president"), (dkg.TrusteeId("a1"), dkg.TrusteeId("a2")), 1
    )  # fmt: skip
    trustees, shares = run_ceremony(ceremony)
    params = ElectionParameters(
        ElectionId(f"tally-{group}"), "Test", group, trustees["public_key"],
        Fingerprint(fingerprint(trustees)), "00" * 32, make_questions(QUESTIONS),
    )  # fmt: skip
    g = params.group
    lines = [ballot_line(ballot_to_json(g, encrypt_ballot(params, s))) for s in selections]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "ballots.jsonl"
    digest = write_ballots(path, lines)
    return Urn(params, trustees, shares, ceremony, lines, path, digest)


@pytest.fixture(scope="module", params=GROUP_NAMES)
def urn(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Urn:
    return make_urn(tmp_path_factory.mktemp("urn"), request.param, SELECTIONS)


def decrypt(urn: Urn, doc: dict[str, Any]) -> tuple[list[list[int]], list[int]]:
    """President + one assessor (t = 1 of 2), with proofs checked by ``combine``."""
    params = urn.params
    tally = tally_from_json(params, doc)
    tally_fp = fingerprint(doc)
    partials = [
        partial_decrypt(params, tally, t, urn.ceremony.role(t), urn.shares[t], tally_fp)
        for t in ("president", "a2")
    ]
    keys = dkg.trustee_keys(urn.trustees)
    counts = combine(params, keys, tally, partials, doc["ballot_count"], tally_fp)
    return counts.choices, counts.blank


def plaintext_totals(selections: list[list[list[int]]]) -> tuple[list[list[int]], list[int]]:
    choices = [[sum(s[q][i] for s in selections) for i in range(k)] for q, (_, k, _) in enumerate(QUESTIONS)]  # fmt: skip
    blank = [sum(1 for s in selections if not any(s[q])) for q in range(len(QUESTIONS))]
    return choices, blank


def rewrite(urn: Urn, tmp_path: Path, lines: list[bytes]) -> Path:
    """The ballots file with these lines, in this order (not necessarily tracker order)."""
    path = tmp_path / "ballots.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


@pytest.fixture
def split_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a few-kilobyte file be cut into several ranges, as a national urn is."""
    monkeypatch.setattr(tally_module, "MIN_RANGE_BYTES", 1)


def test_cctp_4_1_4_8_sums_decrypt_to_the_plaintext_totals(urn: Urn) -> None:
    aggregate = aggregate_file(urn.params, urn.path, workers=1)
    assert aggregate.ballot_count == len(SELECTIONS)
    assert decrypt(urn, tally_document(urn.params, aggregate)) == plaintext_totals(SELECTIONS)


@pytest.mark.usefixtures("split_small")
def test_same_document_whatever_the_number_of_workers(urn: Urn) -> None:
    documents = []
    for workers in (1, 2, 3):
        aggregate = aggregate_file(urn.params, urn.path, workers=workers)
        assert aggregate.processes == workers  # the file really was cut into that many ranges
        documents.append(tally_document(urn.params, aggregate))
    assert documents[0] == documents[1] == documents[2]
    assert decrypt(urn, documents[2]) == plaintext_totals(SELECTIONS)


def test_tally_document_shape_and_file_hash_equal_the_record_writers(urn: Urn) -> None:
    doc = tally_document(urn.params, aggregate_file(urn.params, urn.path))
    assert doc["format"] == "scrutin-tally/v1"
    assert doc["election"] == urn.params.fingerprint()
    assert doc["ballot_count"] == len(SELECTIONS)
    assert doc["ballots"] == urn.digest == hashlib.sha256(urn.path.read_bytes()).hexdigest()
    assert [len(a["choices"]) for a in doc["answers"]] == [k for _, k, _ in QUESTIONS]


def test_empty_urn_gives_identity_sums_and_zero_counts(urn: Urn, tmp_path: Path) -> None:
    path = tmp_path / "ballots.jsonl"
    path.write_bytes(b"")
    aggregate = aggregate_file(urn.params, path)
    doc = tally_document(urn.params, aggregate)
    identity = "00" * urn.params.group.element_size
    assert aggregate.ballot_count == 0
    assert doc["ballots"] == hashlib.sha256(b"").hexdigest()
    for answer in doc["answers"]:
        for ct in [*answer["choices"], answer["blank"]]:
            assert ct == {"alpha": identity, "beta": identity}
    assert decrypt(urn, doc) == ([[0, 0, 0], [0, 0, 0, 0, 0]], [0, 0])


def _mutated(line: bytes, mutate: Any) -> bytes:
    doc = json.loads(line)
    mutate(doc)
    return ballot_line(doc)


def _bad_lines(urn: Urn) -> dict[str, tuple[bytes, str]]:
    first = urn.lines[0]
    size = urn.params.group.element_size
    alpha = json.loads(first)["answers"][1]["choices"][2]["alpha"]

    def set_point(value: str) -> Any:
        return lambda d: d["answers"][1]["choices"][2].__setitem__("alpha", value)

    def drop_choice(d: dict[str, Any]) -> None:
        del d["answers"][0]["choices"][-1]

    def drop_answer(d: dict[str, Any]) -> None:
        del d["answers"][1]

    def other_election(d: dict[str, Any]) -> None:
        d["election"] = "ab" * 32

    not_on_curve = "04" + "11" * 64 if size == 65 else "ff" * 32
    return {
        "json": (b'{"format": "scrutin-ballot/v1", "answers": [', "JSON illisible"),
        "not an object": (b"[1, 2]", "bulletin :"),
        "choices": (_mutated(first, drop_choice), "bulletin.answers[0].choices : 3 chiffré"),
        "answers": (_mutated(first, drop_answer), "bulletin.answers : 2 réponse"),
        "point": (_mutated(first, set_point(not_on_curve)), "answers[1].choices[2].alpha : point invalide"),
        "identity": (_mutated(first, set_point("00" * size)), "alpha : l'élément neutre"),
        "capitals": (_mutated(first, set_point(alpha.upper())), "hexadécimal minuscule"),
        "length": (_mutated(first, set_point(alpha[:-2])), "caractères hexadécimaux attendus"),
        "election": (_mutated(first, other_election), "autre élection"),
    }  # fmt: skip


@pytest.mark.usefixtures("split_small")
@pytest.mark.parametrize(
    "fault",
    ["json", "not an object", "choices", "answers", "point", "identity", "capitals", "length", "election"],
)  # fmt: skip
@pytest.mark.parametrize("workers", [1, 3])
def test_malformed_line_is_refused_with_its_line_number(
    urn: Urn, tmp_path: Path, fault: str, workers: int
) -> None:
    bad, message = _bad_lines(urn)[fault]
    lines = list(urn.lines)
    lines[5] = bad  # line 6, in the last range when the file is cut in three
    path = rewrite(urn, tmp_path, lines)
    with pytest.raises(TallyError, match="ligne 6 :") as caught:
        aggregate_file(urn.params, path, workers=workers)
    assert caught.value.line == 6
    assert message in str(caught.value)


@pytest.mark.usefixtures("split_small")
def test_first_faulty_line_of_the_file_is_the_one_reported(urn: Urn, tmp_path: Path) -> None:
    lines = list(urn.lines)
    lines[1] = lines[6] = b"null"
    with pytest.raises(TallyError) as caught:
        aggregate_file(urn.params, rewrite(urn, tmp_path, lines), workers=3)
    assert caught.value.line == 2


def test_missing_final_newline_and_unreadable_file_are_refused(urn: Urn, tmp_path: Path) -> None:
    path = tmp_path / "ballots.jsonl"
    path.write_bytes(urn.path.read_bytes()[:-1])
    with pytest.raises(TallyError, match=f"ligne {len(SELECTIONS)} : la dernière ligne"):
        aggregate_file(urn.params, path)
    with pytest.raises(TallyError, match="illisible"):
        aggregate_file(urn.params, tmp_path / "absent.jsonl")


@pytest.mark.usefixtures("split_small")
def test_multithreaded_caller_gets_worker_processes_without_fork(urn: Urn) -> None:
    """A web or Celery process may run other threads: fork is then unsafe, forkserver is used."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert tally_module._context().get_start_method() == "forkserver"
        aggregate = aggregate_file(urn.params, urn.path, workers=2)
    finally:
        release.set()
        other.join()
    assert aggregate.processes == 2
    assert tally_document(urn.params, aggregate) == tally_document(
        urn.params, aggregate_file(urn.params, urn.path, workers=1)
    )


def _aggregate_in_child(params_doc: dict[str, Any], path: str, queue: Any) -> None:
    tally_module.MIN_RANGE_BYTES = 1
    params = parse_parameters(params_doc)
    aggregate = aggregate_file(params, Path(path), workers=2)
    queue.put((can_start_processes(), aggregate.processes, tally_document(params, aggregate)))


def test_daemonic_process_sums_in_process(urn: Urn) -> None:
    """multiprocessing refuses children to a daemonic process: the sum runs in it instead."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(
        target=_aggregate_in_child,
        args=(urn.params.to_json(), str(urn.path), queue),
        daemon=True,
    )
    child.start()
    allowed, processes, doc = queue.get(timeout=120)
    child.join(timeout=30)
    assert child.exitcode == 0
    assert (allowed, processes) == (False, 1)
    assert doc == tally_document(urn.params, aggregate_file(urn.params, urn.path, workers=1))


# --- A real Celery worker, solo and prefork ------------------------------------------------------

REDIS_URL = os.environ.get("SCRUTIN_REDIS_URL", "")
app = Celery("scrutin-tally-test", broker=REDIS_URL or "memory://", backend=REDIS_URL or None)


@app.task(name="tests.tally.aggregate")
def aggregate_task(params_doc: dict[str, Any], path: str) -> dict[str, Any]:
    tally_module.MIN_RANGE_BYTES = 1
    params = parse_parameters(params_doc)
    aggregate = aggregate_file(params, Path(path), workers=2)
    return {"processes": aggregate.processes, "tally": tally_document(params, aggregate)}


@pytest.mark.skipif(not REDIS_URL, reason="a Celery worker needs the Redis broker")
@pytest.mark.parametrize(("pool", "processes"), [("solo", 2), ("prefork", 1)])
def test_aggregation_in_a_celery_worker(urn: Urn, pool: str, processes: int) -> None:
    """The solo pool runs the task in the worker's main process, which may start processes; a
    prefork child is daemonic and sums in process. Both give the same document."""
    queue = f"tally-test-{uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", f"{__name__}:app", "worker", f"--pool={pool}",
         "--concurrency=1", "--loglevel=WARNING", "-Q", queue, "--without-heartbeat",
         "--without-mingle", "--without-gossip"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        result = aggregate_task.apply_async((urn.params.to_json(), str(urn.path)), queue=queue)
        deadline = time.monotonic() + 120
        while not result.ready():
            assert worker.poll() is None, "the Celery worker stopped"
            assert time.monotonic() < deadline, "no answer from the Celery worker"
            time.sleep(0.1)
        got = result.get(timeout=5)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert got["processes"] == processes
    assert got["tally"] == tally_document(
        urn.params, aggregate_file(urn.params, urn.path, workers=1)
    )
    assert decrypt(urn, got["tally"]) == plaintext_totals(SELECTIONS)
