"""Tally aggregation, partial decryptions with proofs, Lagrange combination (protocol.md §10)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scrutin.crypto import elgamal
from scrutin.crypto.ballot import EncryptedBallot, ciphertext_to_json
from scrutin.crypto.chaum_pedersen import (
    CompactProof,
    DecryptionContext,
    prove_decryption,
    verify_decryption,
)
from scrutin.crypto.dkg import PRESIDENT, TrusteeKeys
from scrutin.crypto.dlog import BabyStepGiantStep
from scrutin.crypto.elgamal import Ciphertext
from scrutin.crypto.encoding import (
    EncodingError,
    decode_point,
    decode_scalar,
    encode_point,
    encode_scalar,
)
from scrutin.crypto.group import Group
from scrutin.crypto.params import ElectionParameters

PARTIAL_FORMAT = "scrutin-partial-decryption/v1"
TALLY_FORMAT = "scrutin-tally/v1"
RESULT_FORMAT = "scrutin-result/v1"


class DecryptionError(ValueError):
    """Partial decryptions that are missing, malformed, or whose proofs fail."""


# One list per question: the k choice ciphertexts followed by the blank ciphertext.
Tally = list[list[Ciphertext[Any]]]


def empty_tally(params: ElectionParameters) -> Tally:
    g = params.group
    return [[elgamal.zero(g) for _ in range(q.size + 1)] for q in params.questions]


def add_ballot(group: Group[Any], tally: Tally, ballot: EncryptedBallot[Any]) -> None:
    for row, answer in zip(tally, ballot.answers, strict=True):
        for i, ct in enumerate((*answer.choices, answer.blank)):
            row[i] = elgamal.add(group, row[i], ct)


def aggregate(params: ElectionParameters, ballots: Iterable[EncryptedBallot[Any]]) -> Tally:
    tally = empty_tally(params)
    for b in ballots:
        add_ballot(params.group, tally, b)
    return tally


def merge(group: Group[Any], a: Tally, b: Tally) -> Tally:
    return [
        [elgamal.add(group, x, y) for x, y in zip(ra, rb, strict=True)]
        for ra, rb in zip(a, b, strict=True)
    ]


def tally_to_json(
    params: ElectionParameters, tally: Tally, ballot_count: int, ballots_digest: str
) -> dict[str, Any]:
    g = params.group
    return {
        "format": TALLY_FORMAT,
        "election": params.fingerprint(),
        "ballot_count": ballot_count,
        "ballots": ballots_digest,
        "answers": [
            {
                "choices": [ciphertext_to_json(g, c) for c in row[:-1]],
                "blank": ciphertext_to_json(g, row[-1]),
            }
            for row in tally
        ],
    }


def tally_from_json(params: ElectionParameters, doc: dict[str, Any]) -> Tally:
    g = params.group
    try:
        if doc["format"] != TALLY_FORMAT or doc["election"] != params.fingerprint():
            raise DecryptionError("tally: wrong format or election")

        def ct(o: dict[str, Any]) -> Ciphertext[Any]:
            return Ciphertext(
                decode_point(g, o["alpha"], allow_identity=True),
                decode_point(g, o["beta"], allow_identity=True),
            )

        return [[ct(c) for c in a["choices"]] + [ct(a["blank"])] for a in doc["answers"]]
    except (KeyError, TypeError, EncodingError) as exc:
        raise DecryptionError(f"malformed tally: {exc}") from exc


def partial_decrypt(
    params: ElectionParameters, tally: Tally, trustee: str, role: str, share: int, tally_fp: str
) -> dict[str, Any]:
    """A trustee's shares ``D = x_i·α`` for every aggregated ciphertext, with proofs."""
    g = params.group
    fp = params.fingerprint_bytes()
    answers = []
    for qi, row in enumerate(tally):
        items = []
        for i, ct in enumerate(row):
            d, proof = prove_decryption(g, DecryptionContext(fp, qi, i, trustee), share, ct.alpha)
            items.append(
                {
                    "share": encode_point(g, d),
                    "proof": {
                        "challenge": encode_scalar(proof.challenge),
                        "response": encode_scalar(proof.response),
                    },
                }
            )
        answers.append(items)
    return {
        "format": PARTIAL_FORMAT,
        "election": params.fingerprint(),
        "tally": tally_fp,
        "trustee": trustee,
        "role": role,
        "answers": answers,
    }


def lagrange_at_zero(indices: list[int], i: int, order: int) -> int:
    num, den = 1, 1
    for j in indices:
        if j != i:
            num = num * j % order
            den = den * (j - i) % order
    return num * pow(den, -1, order) % order


@dataclass(frozen=True, slots=True)
class Counts:
    choices: list[list[int]]  # per question, per candidate
    blank: list[int]
    decrypted_by: list[str] = field(default_factory=list)  # the president, then the assessors used


def check_partial(
    params: ElectionParameters,
    keys: TrusteeKeys,
    tally: Tally,
    partial: dict[str, Any],
    tally_fp: str,
) -> list[list[Any]]:
    """Check one trustee's partial decryption of ``tally`` (every Chaum–Pedersen proof against
    the trustee's verification key); return its shares ``D`` per question and index."""
    g = params.group
    fp = params.fingerprint_bytes()
    trustee = str(partial.get("trustee"))
    if trustee not in keys.keys:
        raise DecryptionError(f"partial decryption of unknown trustee {trustee!r}")
    if partial.get("format") != PARTIAL_FORMAT:
        raise DecryptionError(f"partial decryption of {trustee!r}: wrong format")
    if partial.get("election") != params.fingerprint() or partial.get("tally") != tally_fp:
        raise DecryptionError(f"partial decryption of {trustee!r}: other election or tally")
    if partial.get("role") != keys.ceremony.role(trustee):
        raise DecryptionError(f"partial decryption of {trustee!r}: wrong role")
    rows = []
    try:
        for qi, (row, items) in enumerate(zip(tally, partial["answers"], strict=True)):
            got = []
            for i, (ct, item) in enumerate(zip(row, items, strict=True)):
                d = decode_point(g, item["share"], allow_identity=True)
                proof = CompactProof(
                    decode_scalar(g, item["proof"]["challenge"]),
                    decode_scalar(g, item["proof"]["response"]),
                )
                ctx = DecryptionContext(fp, qi, i, trustee)
                if not verify_decryption(g, ctx, keys.keys[trustee], ct.alpha, d, proof):
                    raise DecryptionError(f"{trustee!r}: proof rejected at [{qi}][{i}]")
                got.append(d)
            rows.append(got)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, DecryptionError):
            raise
        raise DecryptionError(f"partial decryption of {trustee!r} malformed: {exc}") from exc
    return rows


def combine(
    params: ElectionParameters,
    keys: TrusteeKeys,
    tally: Tally,
    partials: list[dict[str, Any]],
    ballot_count: int,
    tally_fp: str,
) -> Counts:
    """Check every partial decryption, combine the president's and ``t`` assessors', solve."""
    g = params.group
    ceremony = keys.ceremony
    shares: dict[str, list[list[Any]]] = {}
    for p in partials:
        trustee = str(p.get("trustee"))
        if trustee in shares:
            raise DecryptionError(f"repeated partial decryption of trustee {trustee!r}")
        shares[trustee] = check_partial(params, keys, tally, p, tally_fp)
    if ceremony.president not in shares:
        raise DecryptionError("the COE president's partial decryption is required")
    assessors = [a for a in ceremony.assessors if a in shares][: ceremony.threshold]
    if len(assessors) < ceremony.threshold:
        raise DecryptionError(f"at least {ceremony.threshold} assessor(s) must decrypt")
    indices = [ceremony.index(a) for a in assessors]
    lambdas = {a: lagrange_at_zero(indices, ceremony.index(a), g.order) for a in assessors}
    solver = BabyStepGiantStep(g, ballot_count)
    counts: list[list[int]] = []
    for qi, row in enumerate(tally):
        values = []
        for i, ct in enumerate(row):
            m = g.sub(ct.beta, shares[ceremony.president][qi][i])
            for a in assessors:
                m = g.sub(m, g.mul(shares[a][qi][i], lambdas[a]))
            values.append(solver.solve(m))
        counts.append(values)
    return Counts(
        [c[:-1] for c in counts], [c[-1] for c in counts], [ceremony.president, *assessors]
    )


__all__ = ["PRESIDENT", "Counts", "DecryptionError", "check_partial", "combine", "partial_decrypt"]
