"""The verification equations, written independently of ``scrutin.crypto.proofs``.

See docs/protocol.md §6 (disjunctive proofs), §9 (Schnorr), §10 (Chaum–Pedersen). Commitments
such as ``s·B − c·α`` are computed as one double multiplication ``s·B + (−c)·α`` of the shared
group layer: all inputs are public, so it may be variable-time.
"""

from __future__ import annotations

from typing import Any

from scrutin.crypto.encoding import Transcript
from scrutin.crypto.group import Group


def disjunctive_ok(
    g: Group[Any],
    tag: str,
    election: bytes,
    question: int,
    index: int,
    y: Any,
    alpha: Any,
    beta: Any,
    values: list[int],
    challenges: list[int],
    responses: list[int],
) -> bool:
    t = Transcript(tag).text_item(g.name).bytes_item(election)
    t.u32_item(question).u32_item(index)
    t.bytes_item(g.encode(y)).bytes_item(g.encode(alpha)).bytes_item(g.encode(beta))
    t.u32_item(len(values))
    for v, c, s in zip(values, challenges, responses, strict=True):
        a = g.base_double_mul(s, -c, alpha)
        b = g.double_mul(s, y, -c, g.sub(beta, g.small_multiple(v)))
        t.u32_item(v).bytes_item(g.encode(a)).bytes_item(g.encode(b))
    return t.challenge(g.order) == sum(challenges) % g.order


def schnorr_ok(
    g: Group[Any], ceremony: bytes, trustee: str, commitment: Any, c: int, s: int
) -> bool:
    r = g.base_double_mul(s, -c, commitment)
    t = Transcript("scrutin/v1/keygen/pok").text_item(g.name).bytes_item(ceremony)
    t.text_item(trustee).bytes_item(g.encode(commitment)).bytes_item(g.encode(r))
    return t.challenge(g.order) == c


def decryption_ok(
    g: Group[Any],
    election: bytes,
    question: int,
    index: int,
    trustee: str,
    key: Any,
    alpha: Any,
    share: Any,
    c: int,
    s: int,
) -> bool:
    a = g.base_double_mul(s, -c, key)
    a2 = g.double_mul(s, alpha, -c, share)
    t = Transcript("scrutin/v1/decryption").text_item(g.name).bytes_item(election)
    t.u32_item(question).u32_item(index).text_item(trustee)
    for p in (key, alpha, share, a, a2):
        t.bytes_item(g.encode(p))
    return t.challenge(g.order) == c


def lagrange_at_zero(indices: list[int], i: int, order: int) -> int:
    num = den = 1
    for j in indices:
        if j != i:
            num = num * j % order
            den = den * (j - i) % order
    return num * pow(den, -1, order) % order


def feldman_image(g: Group[Any], commitments: list[Any], x: int) -> Any:
    acc = g.identity()
    power = 1
    for c in commitments:
        acc = g.add(acc, g.mul(c, power % g.order))
        power *= x
    return acc
