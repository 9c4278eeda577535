"""Homomorphic aggregation of an urn's ``ballots.jsonl``, on every core (docs/protocol.md §10–§11).

:func:`aggregate_file` reads a record's ballots file, decodes only the ciphertexts of each ballot
(each point validated, the identity refused, the shape checked against the election's questions)
and adds them component-wise. The file is cut into byte ranges at line boundaries; each worker
process sums its range and returns the partial sums *encoded*; the parent adds them in range
order. Group addition is commutative and the encodings are canonical, so the result is the same
bytes whatever the number of workers. :func:`tally_document` renders ``tally.json``.

Where processes cannot be started (a daemonic process, such as a Celery prefork child), or for a
file too small to be worth splitting, the sum runs in the calling process.

ristretto255 sums are accumulated in place by libsodium's ``crypto_core_ristretto255_add`` on
encodings, which also validates the point it adds (``bench/tally.py`` measures it: about 30 %
faster than validating with ``Group.decode`` and then adding); P-256 goes through
:class:`scrutin.crypto.group.P256`.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pysodium

from scrutin.crypto.ballot import BALLOT_FORMAT
from scrutin.crypto.decryption import Tally, tally_to_json
from scrutin.crypto.elgamal import Ciphertext
from scrutin.crypto.group import Group, InvalidElement
from scrutin.crypto.params import ElectionParameters, parse_parameters
from scrutin.record import strictjson
from scrutin.record.writer import file_digest

MAX_LINE = 4 * 1024 * 1024
"""A ballot line longer than this is refused (docs/protocol.md §12)."""

MIN_RANGE_BYTES = 1024 * 1024
"""A worker process gets at least this many bytes: below, starting it costs more than it saves."""

_ANSWER_KEYS = frozenset({"choices", "blank", "choice_proofs", "blank_proof", "overall_proof"})
_BALLOT_KEYS = frozenset({"format", "election", "answers"})
_CT_KEYS = frozenset({"alpha", "beta"})


class TallyError(ValueError):
    """The ballots file cannot be aggregated; ``line`` is the 1-based line at fault, if any."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"ballots.jsonl, ligne {line} : {message}")
        self.line = line
        self.reason = message


@dataclass(frozen=True, slots=True)
class Aggregate:
    """The homomorphic sum of an urn: what ``tally.json`` records."""

    tally: Tally
    ballot_count: int
    sha256: str
    processes: int = 1
    """How many processes summed the file (informative: the sums never depend on it)."""


# --- Accumulators ----------------------------------------------------------------------------


class _LineError(Exception):
    """A problem in one line, reported by the parent with its line number in the whole file."""


@lru_cache(maxsize=1)
def _sodium_add() -> Any:
    # The libsodium that pysodium loaded, through a function object of our own (so that setting
    # its argument types does not change pysodium's): the add writes into a mutable buffer, in
    # place, without a Python bytes object per step.
    lib = ctypes.CDLL(pysodium.sodium._name)
    fn = lib.crypto_core_ristretto255_add
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    fn.restype = ctypes.c_int
    return fn


class _RistrettoSums:
    """One 32-byte buffer per sum, starting at the identity (the all-zero encoding, which
    libsodium decodes as the identity); each added point is validated by libsodium's decoding
    (the caller has refused the identity)."""

    def __init__(self, slots: int) -> None:
        self._add = _sodium_add()
        self._bufs = [ctypes.create_string_buffer(32) for _ in range(slots)]

    def add(self, slot: int, data: bytes) -> None:
        buf = self._bufs[slot]
        if self._add(buf, buf, data) != 0:
            raise _LineError("point invalide (pas un encodage canonique ristretto255)")

    def encoded(self) -> bytes:
        return b"".join(buf.raw for buf in self._bufs)


class _GroupSums:
    """Any group through the :class:`Group` interface (P-256)."""

    def __init__(self, group: Group[Any], slots: int) -> None:
        self._g = group
        self._sums = [group.identity() for _ in range(slots)]

    def add(self, slot: int, data: bytes) -> None:
        try:
            point = self._g.decode(data)
        except InvalidElement as exc:
            raise _LineError(f"point invalide (pas un élément de {self._g.name})") from exc
        self._sums[slot] = self._g.add(self._sums[slot], point)

    def encoded(self) -> bytes:
        return b"".join(self._g.encode(s) for s in self._sums)


# --- One range of the file ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RangeSum:
    count: int
    sums: bytes
    error: tuple[int, str] | None  # (line number within the range, message)


def _slots(params: ElectionParameters) -> int:
    return sum(2 * (q.size + 1) for q in params.questions)


def _point_bytes(value: object, size: int, where: str) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size:
        raise _LineError(f"{where} : {2 * size} caractères hexadécimaux attendus")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        data = b""
    # fromhex skips spaces and accepts capitals: only the lowercase canonical form is allowed.
    if len(data) != size or data.hex() != value:
        raise _LineError(f"{where} : hexadécimal minuscule attendu")
    return data


def _add_line(params: ElectionParameters, fp: str, sums: Any, line: bytes) -> None:
    try:
        doc = strictjson.loads(line, max_bytes=MAX_LINE + 2)  # the line end may be CRLF
    except strictjson.JsonRefused as exc:
        raise _LineError(f"JSON illisible ({exc})") from exc
    if not isinstance(doc, dict) or doc.keys() != _BALLOT_KEYS:
        raise _LineError("bulletin : objet avec les champs format, election, answers attendu")
    if doc["format"] != BALLOT_FORMAT:
        raise _LineError(f"bulletin.format : {BALLOT_FORMAT!r} attendu")
    if doc["election"] != fp:
        raise _LineError("bulletin.election : bulletin d'une autre élection")
    answers = doc["answers"]
    questions = params.questions
    if not isinstance(answers, list) or len(answers) != len(questions):
        raise _LineError(f"bulletin.answers : {len(questions)} réponse(s) attendue(s)")
    size = params.group.element_size
    identity = bytes(size)  # the encoding of the identity in both groups (protocol.md §3)
    slot = 0
    for qi, (answer, question) in enumerate(zip(answers, questions, strict=True)):
        w = f"bulletin.answers[{qi}]"
        if not isinstance(answer, dict) or answer.keys() != _ANSWER_KEYS:
            raise _LineError(f"{w} : champs {sorted(_ANSWER_KEYS)} attendus")
        choices = answer["choices"]
        if not isinstance(choices, list) or len(choices) != question.size:
            raise _LineError(f"{w}.choices : {question.size} chiffré(s) attendu(s)")
        for i, ct in enumerate((*choices, answer["blank"])):
            where = f"{w}.choices[{i}]" if i < question.size else f"{w}.blank"
            if not isinstance(ct, dict) or ct.keys() != _CT_KEYS:
                raise _LineError(f"{where} : objet {{alpha, beta}} attendu")
            for part in ("alpha", "beta"):
                data = _point_bytes(ct[part], size, f"{where}.{part}")
                if data == identity:
                    raise _LineError(f"{where}.{part} : l'élément neutre n'est pas admis")
                try:
                    sums.add(slot, data)
                except _LineError as exc:
                    raise _LineError(f"{where}.{part} : {exc}") from exc
                slot += 1


def _sum_range(params: ElectionParameters, path: Path, start: int, end: int) -> _RangeSum:
    """Sum the lines that start in ``[start, end)``; ``start`` is at the beginning of a line."""
    group = params.group
    slots = _slots(params)
    sums: Any = _RistrettoSums(slots) if group.name == "ristretto255" else _GroupSums(group, slots)
    fp = params.fingerprint()
    count = 0
    position = start
    with path.open("rb") as f:
        f.seek(start)
        while position < end:
            raw = f.readline(MAX_LINE + 1)
            if not raw:
                break
            count += 1
            position += len(raw)
            if not raw.endswith(b"\n"):
                if len(raw) > MAX_LINE:
                    message = f"ligne de plus de {MAX_LINE} octets"
                else:
                    message = "la dernière ligne ne se termine pas par un saut de ligne"
                return _RangeSum(count, b"", (count, message))
            try:
                _add_line(params, fp, sums, raw[:-1])
            except _LineError as exc:
                return _RangeSum(count, b"", (count, str(exc)))
    return _RangeSum(count, sums.encoded(), None)


def _sum_range_job(job: tuple[dict[str, Any], str, int, int]) -> _RangeSum:
    params_doc, path, start, end = job
    return _sum_range(parse_parameters(params_doc), Path(path), start, end)


# --- Splitting, processes, merging -------------------------------------------------------------


def _boundaries(path: Path, size: int, parts: int) -> list[int]:
    """``parts + 1`` non-decreasing offsets from 0 to ``size``, each at the start of a line."""
    cuts = [0]
    with path.open("rb") as f:
        for i in range(1, parts):
            nominal = max(size * i // parts, cuts[-1])
            f.seek(nominal)
            rest = f.readline(MAX_LINE + 1)
            cut = nominal + len(rest) if rest.endswith(b"\n") else size
            cuts.append(min(cut, size))
    cuts.append(size)
    return cuts


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_start_processes() -> bool:
    """Whether this process may have child processes.

    A daemonic process may not (``multiprocessing`` refuses it); a Celery prefork child is a
    daemonic *billiard* process, which the standard library does not know about, so billiard is
    asked too when it is loaded.
    """
    if multiprocessing.current_process().daemon:
        return False
    billiard = sys.modules.get("billiard.process")
    return not (billiard is not None and billiard.current_process().daemon)


def _context() -> Any:
    # fork starts a worker in about 10 ms, forkserver in about 300 ms; fork is only safe while
    # this process has a single thread (a thread holding a lock at fork time would deadlock the
    # child), so a multi-threaded caller (a web or Celery process may be) gets forkserver.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _decode_sums(params: ElectionParameters, data: bytes) -> list[Any]:
    g = params.group
    n = g.element_size
    try:
        return [g.decode(data[i : i + n], allow_identity=True) for i in range(0, len(data), n)]
    except InvalidElement as exc:  # our own workers' output: a bug, not a bad file
        raise RuntimeError(f"a worker returned an invalid partial sum: {exc}") from exc


def _merge(params: ElectionParameters, results: list[_RangeSum]) -> tuple[Tally, int]:
    g = params.group
    flat = [g.identity() for _ in range(_slots(params))]
    before = 0
    for r in results:  # in file order: the first error of the file is the one reported
        if r.error is not None:
            local, message = r.error
            raise TallyError(message, before + local)
        for i, point in enumerate(_decode_sums(params, r.sums)):
            flat[i] = g.add(flat[i], point)
        before += r.count
    tally: Tally = []
    slot = 0
    for q in params.questions:
        row = []
        for _ in range(q.size + 1):
            row.append(Ciphertext(flat[slot], flat[slot + 1]))
            slot += 2
        tally.append(row)
    return tally, before


def aggregate_file(params: ElectionParameters, path: Path, workers: int | None = None) -> Aggregate:
    """Sum the ballots of a record's ``ballots.jsonl`` (protocol.md §10), on ``workers`` processes
    (default: every core; ``1`` = in this process). Raise :class:`TallyError` naming the first
    faulty line."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TallyError(f"fichier des bulletins illisible : {exc}") from exc
    wanted = default_workers() if workers is None else workers
    if wanted < 1:
        raise ValueError("workers must be at least 1")
    parts = max(1, min(wanted, size // MIN_RANGE_BYTES))
    if parts > 1 and not can_start_processes():
        parts = 1
    try:
        if parts == 1:
            results = [_sum_range(params, path, 0, size)]
            digest = file_digest(path)
        else:
            cuts = _boundaries(path, size, parts)
            jobs = [(params.to_json(), str(path), a, b) for a, b in itertools.pairwise(cuts)]
            with ProcessPoolExecutor(len(jobs), mp_context=_context()) as pool:
                futures: list[Future[_RangeSum]] = [pool.submit(_sum_range_job, j) for j in jobs]
                digest = file_digest(path)  # while the workers sum
                results = [f.result() for f in futures]
    except OSError as exc:
        raise TallyError(f"fichier des bulletins illisible : {exc}") from exc
    tally, count = _merge(params, results)
    return Aggregate(tally, count, digest, parts)


def tally_document(params: ElectionParameters, aggregate: Aggregate) -> dict[str, Any]:
    """``tally.json`` (``scrutin-tally/v1``) of an aggregate."""
    return tally_to_json(params, aggregate.tally, aggregate.ballot_count, aggregate.sha256)


__all__ = [
    "MAX_LINE",
    "Aggregate",
    "TallyError",
    "aggregate_file",
    "can_start_processes",
    "default_workers",
    "tally_document",
]
