"""Checking the ballots file, in parallel over worker processes (docs/protocol.md §7, §11).

Each worker parses and verifies a chunk of lines and returns its errors, the homomorphic sum of
its ballots and the last 8 bytes of every ``alpha`` (for the duplicate check, confirmed on the full
encodings when two coincide).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import EncodingError, canonical_json
from scrutin.verify.documents import (
    MAX_BALLOT_LINE,
    Malformed,
    array,
    obj,
    parse_json,
    point,
    scalar,
)
from scrutin.verify.election import Election, read_election
from scrutin.verify.equations import disjunctive_ok

CHUNK = 16
ALPHA_SUFFIX = 8  # bytes of each alpha compared first (a collision is confirmed in full)

# (line number, message)
Problem = tuple[int, str]


def _ct(g: Any, value: object, where: str) -> tuple[Any, Any]:
    o = obj(value, {"alpha", "beta"}, where)
    return point(g, o["alpha"], f"{where}.alpha"), point(g, o["beta"], f"{where}.beta")


def _proof(g: Any, value: object, n: int, where: str) -> tuple[list[int], list[int]]:
    o = obj(value, {"challenges", "responses"}, where)
    cs = array(o["challenges"], f"{where}.challenges", n)
    ss = array(o["responses"], f"{where}.responses", n)
    return (
        [scalar(g, c, f"{where}.challenges[{i}]") for i, c in enumerate(cs)],
        [scalar(g, s, f"{where}.responses[{i}]") for i, s in enumerate(ss)],
    )


def check_ballot(e: Election, y: Any, doc: object) -> list[list[tuple[Any, Any]]]:
    """Verify one ballot; return its ciphertexts (per question: choices then blank)."""
    g = e.group
    fp = e.fingerprint_bytes
    d = obj(doc, {"format", "election", "answers"}, "bulletin")
    if d["format"] != "scrutin-ballot/v1":
        raise Malformed("bulletin.format : 'scrutin-ballot/v1' attendu")
    if d["election"] != e.fingerprint:
        raise Malformed("bulletin.election : bulletin d'une autre élection")
    answers = array(d["answers"], "bulletin.answers", len(e.questions))
    out = []
    for qi, ((k, m), raw) in enumerate(zip(e.questions, answers, strict=True)):
        w = f"bulletin.answers[{qi}]"
        a = obj(raw, {"choices", "blank", "choice_proofs", "blank_proof", "overall_proof"}, w)
        cts = [
            _ct(g, c, f"{w}.choices[{i}]")
            for i, c in enumerate(array(a["choices"], f"{w}.choices", k))
        ]
        cts.append(_ct(g, a["blank"], f"{w}.blank"))
        proofs = [
            _proof(g, p, 2, f"{w}.choice_proofs[{i}]")
            for i, p in enumerate(array(a["choice_proofs"], f"{w}.choice_proofs", k))
        ]
        proofs.append(_proof(g, a["blank_proof"], 2, f"{w}.blank_proof"))
        overall = _proof(g, a["overall_proof"], m + 1, f"{w}.overall_proof")
        for i, ((alpha, beta), (cs, ss)) in enumerate(zip(cts, proofs, strict=True)):
            if not disjunctive_ok(
                g, "scrutin/v1/ballot/choice", fp, qi, i, y, alpha, beta, [0, 1], cs, ss
            ):
                name = f"choice_proofs[{i}]" if i < k else "blank_proof"
                raise Malformed(f"{w}.{name} : preuve 0/1 invalide")
        sa, sb = cts[0]
        for alpha, beta in cts[1:k]:
            sa, sb = g.add(sa, alpha), g.add(sb, beta)
        ba, bb = cts[k]
        sa, sb = g.add(sa, g.mul(ba, k + 1)), g.add(sb, g.mul(bb, k + 1))
        values = [*range(1, m + 1), k + 1]
        if not disjunctive_ok(
            g, "scrutin/v1/ballot/overall", fp, qi, 0, y, sa, sb, values, *overall
        ):
            raise Malformed(f"{w}.overall_proof : preuve globale invalide")
        out.append(cts)
    return out


_STATE: dict[str, Any] = {}


def _init(election_doc: dict[str, Any]) -> None:
    e = read_election(election_doc)
    _STATE["election"] = e
    _STATE["y"] = e.public_key()


@dataclass
class ChunkResult:
    problems: list[Problem] = field(default_factory=list)
    sums: list[list[tuple[bytes, bytes]]] | None = None
    alphas: bytes = b""
    valid: int = 0


def _check_chunk(lines: list[tuple[int, bytes]]) -> ChunkResult:
    e: Election = _STATE["election"]
    y = _STATE["y"]
    g = e.group
    res = ChunkResult()
    sums: list[list[tuple[Any, Any]]] | None = None
    alphas = bytearray()
    for number, line in lines:
        try:
            doc = parse_json(line, f"ligne {number}")
            try:
                canonical = canonical_json(doc)
            except EncodingError as exc:
                raise Malformed(f"non canonique ({exc})") from exc
            if canonical != line:
                raise Malformed("le bulletin n'est pas en JSON canonique (RFC 8785)")
            cts = check_ballot(e, y, doc)
        except Malformed as exc:
            res.problems.append((number, str(exc)))
            continue
        res.valid += 1
        for row in cts:
            for alpha, _ in row:
                alphas += g.encode(alpha)[-ALPHA_SUFFIX:]
        if sums is None:
            sums = [list(row) for row in cts]
        else:
            for srow, row in zip(sums, cts, strict=True):
                for i, (alpha, beta) in enumerate(row):
                    srow[i] = (g.add(srow[i][0], alpha), g.add(srow[i][1], beta))
    if sums is not None:
        res.sums = [[(g.encode(a), g.encode(b)) for a, b in row] for row in sums]
    res.alphas = bytes(alphas)
    return res


@dataclass
class BallotsOutcome:
    count: int
    valid: int
    problems: list[Problem]
    sums: list[list[tuple[Any, Any]]]
    digest: str
    duplicates: int


def _read_lines(
    path: Path, outcome_problems: list[Problem], digest: Any
) -> Iterator[tuple[int, bytes]]:
    previous = b""
    with path.open("rb") as f:
        number = 0
        while True:
            raw = f.readline(MAX_BALLOT_LINE + 1)
            if not raw:
                return
            number += 1
            digest.update(raw)
            if not raw.endswith(b"\n"):
                if len(raw) > MAX_BALLOT_LINE:
                    outcome_problems.append((number, "ligne trop longue : lecture interrompue"))
                    return
                outcome_problems.append(
                    (number, "la dernière ligne ne se termine pas par un saut de ligne")
                )
            line = raw.rstrip(b"\n")
            tracker = hashlib.sha256(line).digest()
            if tracker <= previous:
                what = "en double" if tracker == previous else "hors de l'ordre des empreintes"
                outcome_problems.append(
                    (number, f"bulletin {what} (traceur {tracker.hex()[:16]}…)")
                )
            previous = max(previous, tracker)
            yield number, line


def _confirm_duplicates(path: Path, suffixes: set[bytes], skip: set[int]) -> int:
    """Alphas are first compared on their last 8 bytes; on a collision, the file is read again
    and the full encodings of the colliding alphas are compared: only an alpha repeated exactly
    is a duplicate (§12 check 4). Returns the number of repeated alphas."""
    seen: dict[str, int] = {}
    with path.open("rb") as f:
        for number, raw in enumerate(iter(lambda: f.readline(MAX_BALLOT_LINE + 1), b""), 1):
            if number in skip:
                continue
            try:
                doc = parse_json(raw.rstrip(b"\n"), f"ligne {number}")
                for answer in doc["answers"]:
                    for ct in [*answer["choices"], answer["blank"]]:
                        if bytes.fromhex(ct["alpha"])[-ALPHA_SUFFIX:] in suffixes:
                            seen[ct["alpha"]] = seen.get(ct["alpha"], 0) + 1
            except (Malformed, KeyError, TypeError, ValueError):
                continue  # not a valid ballot: already reported, its alphas were not counted
    return sum(n - 1 for n in seen.values())


def check_ballots(path: Path, e: Election, workers: int | None = None) -> BallotsOutcome:
    g = e.group
    workers = workers or os.cpu_count() or 1
    problems: list[Problem] = []
    digest = hashlib.sha256()
    sums = [[(g.identity(), g.identity()) for _ in range(k + 1)] for k, _ in e.questions]
    alphas = bytearray()
    count = valid = 0

    invalid: set[int] = set()  # lines whose ballot failed its checks (their alphas not kept)

    def absorb(r: ChunkResult) -> None:
        nonlocal valid
        problems.extend(r.problems)
        invalid.update(number for number, _ in r.problems)
        valid += r.valid
        alphas.extend(r.alphas)
        if r.sums is not None:
            for srow, row in zip(sums, r.sums, strict=True):
                for i, (a, b) in enumerate(row):
                    pa = g.decode(a, allow_identity=True)
                    pb = g.decode(b, allow_identity=True)
                    srow[i] = (g.add(srow[i][0], pa), g.add(srow[i][1], pb))

    def chunks() -> Iterator[list[tuple[int, bytes]]]:
        nonlocal count
        batch: list[tuple[int, bytes]] = []
        for item in _read_lines(path, problems, digest):
            count += 1
            batch.append(item)
            if len(batch) == CHUNK:
                yield batch
                batch = []
        if batch:
            yield batch

    if workers <= 1:
        _init(e.document)
        for batch in chunks():
            absorb(_check_chunk(batch))
    else:
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(e.document,)) as pool:
            pending: list[Future[ChunkResult]] = []
            for batch in chunks():
                pending.append(pool.submit(_check_chunk, batch))
                if len(pending) >= 4 * workers:
                    absorb(pending.pop(0).result())
            for fut in pending:
                absorb(fut.result())
    step = ALPHA_SUFFIX
    keys = sorted(alphas[i : i + step] for i in range(0, len(alphas), step))
    collisions = {bytes(a) for a, b in itertools.pairwise(keys) if a == b}
    duplicates = _confirm_duplicates(path, collisions, invalid) if collisions else 0
    problems.sort()
    return BallotsOutcome(count, valid, problems, sums, digest.hexdigest(), duplicates)
