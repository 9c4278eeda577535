"""``scrutin record simulate``: a complete record for a two-question urn (tests, demos, bench).

Runs the real key ceremony in memory (president + assessors, threshold t), encrypts random valid
ballots, aggregates them, has the president and ``t`` randomly chosen assessors decrypt with
proofs, combines, and checks the counts against the plaintext selections it drew.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrutin.crypto import dkg
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot, parse_ballot
from scrutin.crypto.decryption import (
    RESULT_FORMAT,
    Tally,
    add_ballot,
    combine,
    empty_tally,
    merge,
    partial_decrypt,
    tally_from_json,
    tally_to_json,
)
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import (
    Candidate,
    CandidateId,
    ElectionId,
    ElectionParameters,
    Fingerprint,
    Question,
    QuestionId,
    parse_parameters,
)
from scrutin.crypto.signing import generate_signing_key, public_key_hex, sign_document
from scrutin.record import layout
from scrutin.record.writer import ballot_line, write_ballots, write_json, write_manifest

REFERENCE_QUESTIONS: tuple[tuple[str, int, int], ...] = (("ccir", 12, 6), ("ccit", 30, 15))


class SimulationError(RuntimeError):
    """The simulated election did not decrypt to the counts that were cast."""


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    directory: Path
    voters: int
    counts: list[list[int]]
    blank: list[int]
    decrypted_by: list[str]


def make_questions(spec: tuple[tuple[str, int, int], ...]) -> tuple[Question, ...]:
    return tuple(
        Question(
            QuestionId(qid),
            qid.upper(),
            tuple(Candidate(CandidateId(f"{qid}-{i}"), f"Candidat {i}") for i in range(1, k + 1)),
            m,
        )
        for qid, k, m in spec
    )


def run_ceremony(
    ceremony: dkg.Ceremony,
) -> tuple[dict[str, Any], dict[str, int]]:
    """All rounds of the key ceremony in memory; returns trustees.json and the final shares."""
    secrets: dict[str, dict[str, Any]] = {}
    r1: list[dict[str, Any]] = []
    for t in (ceremony.president, *ceremony.assessors):
        secret, message = dkg.round1(ceremony, t)
        secrets[t] = secret
        r1.append(message)
    r2 = [dkg.round2(ceremony, secrets[a], r1) for a in ceremony.assessors]
    r3 = []
    shares: dict[str, int] = {}
    for name, secret in secrets.items():
        final, confirmation = dkg.round3(ceremony, secret, r1, r2)
        shares[name] = int(final["share"], 16)
        r3.append(confirmation)
    return dkg.finalize(ceremony, r1, r3), shares


def random_selection(rng: random.Random, question: Question) -> list[int]:
    if rng.random() < 0.05:
        return [0] * question.size
    chosen = set(rng.sample(range(question.size), rng.randint(1, question.max)))
    return [1 if i in chosen else 0 for i in range(question.size)]


def _encrypt_chunk(
    args: tuple[dict[str, Any], list[list[list[int]]]],
) -> tuple[list[bytes], dict[str, Any]]:
    params_doc, selections = args
    params = parse_parameters(params_doc)
    group = params.group
    tally = empty_tally(params)
    lines = []
    for sel in selections:
        ballot = encrypt_ballot(params, sel)
        lines.append(ballot_line(ballot_to_json(group, ballot)))
        add_ballot(group, tally, ballot)
    return lines, tally_to_json(params, tally, len(selections), "")


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def simulate(
    out: Path,
    voters: int,
    *,
    group: str = "ristretto255",
    questions: tuple[tuple[str, int, int], ...] = REFERENCE_QUESTIONS,
    assessors: int = 3,
    threshold: int = 2,
    workers: int = 1,
    seed: int | None = None,
    signing_key: Any = None,
    decrypting: int | None = None,
) -> SimulationSummary:
    """``decrypting`` assessors (default: the threshold) send a partial decryption; the
    combination uses the first ``threshold`` of them by index, the others stay in the record
    as unused partials (docs/protocol.md §10)."""
    rng = random.Random(seed)  # noqa: S311 - drawing fake voters' choices, not secrets
    out.mkdir(parents=True, exist_ok=True)
    ceremony = dkg.Ceremony(
        f"simulation-{group}",
        group,
        dkg.TrusteeId("president"),
        tuple(dkg.TrusteeId(f"assessor-{i}") for i in range(1, assessors + 1)),
        threshold,
    )
    trustees_doc, shares = run_ceremony(ceremony)
    signing_key = signing_key or generate_signing_key()
    params = ElectionParameters(
        ElectionId(f"simulation-{group}"),
        "Élection simulée",
        group,
        trustees_doc["public_key"],
        Fingerprint(fingerprint(trustees_doc)),
        public_key_hex(signing_key),
        make_questions(questions),
    )
    params_doc = params.to_json()
    selections = [[random_selection(rng, q) for q in params.questions] for _ in range(voters)]
    chunk = max(1, min(64, voters // max(1, workers * 4) or 1))
    jobs = [(params_doc, c) for c in _chunks(selections, chunk)]
    lines: list[bytes] = []
    tally: Tally = empty_tally(params)
    g = params.group
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_encrypt_chunk, jobs))
    else:
        results = [_encrypt_chunk(j) for j in jobs]
    for chunk_lines, chunk_tally in results:
        lines.extend(chunk_lines)
        tally = merge(g, tally, tally_from_json(params, chunk_tally))

    write_json(out / layout.ELECTION, params_doc)
    write_json(out / layout.TRUSTEES, trustees_doc)
    digest = write_ballots(out / layout.BALLOTS, lines)
    write_json(out / layout.CLOSING, closing_seal(params, voters, digest, signing_key))
    tally_doc = tally_to_json(params, tally, voters, digest)
    write_json(out / layout.TALLY, tally_doc)
    tally_fp = fingerprint(tally_doc)

    chosen: list[str] = rng.sample(list(ceremony.assessors), decrypting or threshold)
    partials = [
        partial_decrypt(params, tally, t, ceremony.role(t), shares[t], tally_fp)
        for t in [ceremony.president, *chosen]
    ]
    keys = dkg.trustee_keys(trustees_doc)
    counts = combine(params, keys, tally, partials, voters, tally_fp)
    expected = [
        [sum(s[qi][i] for s in selections) for i in range(q.size)]
        for qi, q in enumerate(params.questions)
    ]
    expected_blank = [
        sum(1 for s in selections if not any(s[qi])) for qi in range(len(params.questions))
    ]
    if counts.choices != expected or counts.blank != expected_blank:
        raise SimulationError("decrypted counts differ from the simulated votes")
    decryptions: dict[str, Any] = {
        "format": layout.DECRYPTIONS_FORMAT,
        "election": params.fingerprint(),
        "partials": sorted(partials, key=lambda p: str(p["trustee"])),
    }
    write_json(out / layout.DECRYPTIONS, decryptions)
    write_json(
        out / layout.RESULT,
        {
            "format": RESULT_FORMAT,
            "election": params.fingerprint(),
            "tally": tally_fp,
            "ballot_count": voters,
            "decrypted_by": counts.decrypted_by,
            "answers": [
                {"counts": c, "blank": b} for c, b in zip(counts.choices, counts.blank, strict=True)
            ],
        },
    )
    write_manifest(out, params.fingerprint(), signing_key)
    return SimulationSummary(out, voters, counts.choices, counts.blank, counts.decrypted_by)


def closing_seal(
    params: ElectionParameters, count: int, ballots_sha256: str, key: Any, urn: str = "SIM"
) -> dict[str, Any]:
    """A signed closing seal (docs/protocol.md §14.2) for a simulated urn of ``count`` voters:
    its urn seal and émargement list are simulated too (they are not part of the record)."""
    closes_at = "2026-10-15T16:00:00.000000+00:00"
    urn_seal = {
        "format": "scrutin-urn-seal/v1", "urn": urn, "cci": urn, "election": params.fingerprint(),
        "trustees": params.trustees_fingerprint, "opens_at": "2026-10-01T08:00:00.000000+00:00",
        "closes_at": closes_at, "electors": {"count": count, "sha256": "00" * 32},
        "candidatures": "00" * 32, "sealed_at": "2026-09-30T08:00:00.000000+00:00",
        "platform_key": public_key_hex(key),
    }  # fmt: skip
    urn_seal["signature"] = sign_document(key, urn_seal)
    emargements = {
        "format": layout.EMARGEMENTS_FORMAT, "urn": urn,
        "emargements": [{"elector": f"{i:013d}", "voted_at": closes_at} for i in range(count)],
    }  # fmt: skip
    closing: dict[str, Any] = {
        "format": layout.CLOSING_FORMAT, "urn": urn, "election": params.fingerprint(),
        "urn_seal": fingerprint(urn_seal), "platform_seal": None,
        "closes_at": closes_at, "closed_at": closes_at, "trigger": "schedule", "reason": "",
        "ballots": {"count": count, "sha256": ballots_sha256},
        "emargements": {"count": count, "sha256": fingerprint(emargements)},
        "sealed_at": "2026-10-15T16:00:01.000000+00:00", "platform_key": public_key_hex(key),
    }  # fmt: skip
    closing["signature"] = sign_document(key, closing)
    return closing


def check_parse(params: ElectionParameters, line: bytes) -> str:
    """Tracker of a stored line after a strict parse (used by tests)."""
    import json

    parse_ballot(params, json.loads(line))
    return hashlib.sha256(line).hexdigest()
