"""Schnorr proofs of knowledge and Chaum–Pedersen proofs of equal discrete logarithms.

* Schnorr (key ceremony, docs/protocol.md §9): knowledge of ``a`` with ``C = a·B``;
  ``R = s·B − c·C``, ``c = H(tag, group, ceremony, trustee, C, R)``.
* Chaum–Pedersen (partial decryption, §10): ``X = x·B`` and ``D = x·α``;
  ``A = s·B − c·X``, ``A' = s·α − c·D``, ``c = H(tag, group, F, q, i, trustee, X, α, D, A, A')``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from scrutin.crypto.encoding import Transcript
from scrutin.crypto.group import Group

E = TypeVar("E")

POK_TAG = "scrutin/v1/keygen/pok"
DECRYPTION_TAG = "scrutin/v1/decryption"


@dataclass(frozen=True, slots=True)
class CompactProof:
    """A Fiat–Shamir proof sent as its challenge and response."""

    challenge: int
    response: int


def _pok_challenge(group: Group[E], ceremony: bytes, trustee: str, commitment: E, r: E) -> int:
    t = Transcript(POK_TAG).text_item(group.name).bytes_item(ceremony).text_item(trustee)
    t.bytes_item(group.encode(commitment)).bytes_item(group.encode(r))
    return t.challenge(group.order)


def prove_knowledge(
    group: Group[E], ceremony: bytes, trustee: str, secret: int, w: int | None = None
) -> CompactProof:
    w = group.random_scalar() if w is None else w
    commitment = group.base_mul(secret)
    c = _pok_challenge(group, ceremony, trustee, commitment, group.base_mul(w))
    return CompactProof(c, (w + c * secret) % group.order)


def verify_knowledge(
    group: Group[E], ceremony: bytes, trustee: str, commitment: E, proof: CompactProof
) -> bool:
    r = group.base_double_mul(proof.response, -proof.challenge, commitment)
    return _pok_challenge(group, ceremony, trustee, commitment, r) == proof.challenge


@dataclass(frozen=True, slots=True)
class DecryptionContext:
    election_fingerprint: bytes
    question: int
    index: int
    trustee: str


def _dec_challenge(
    group: Group[E], ctx: DecryptionContext, key: E, alpha: E, share: E, a: E, a2: E
) -> int:
    t = Transcript(DECRYPTION_TAG).text_item(group.name).bytes_item(ctx.election_fingerprint)
    t.u32_item(ctx.question).u32_item(ctx.index).text_item(ctx.trustee)
    for p in (key, alpha, share, a, a2):
        t.bytes_item(group.encode(p))
    return t.challenge(group.order)


def prove_decryption(
    group: Group[E], ctx: DecryptionContext, secret: int, alpha: E, w: int | None = None
) -> tuple[E, CompactProof]:
    """The share ``D = x·α`` and a proof that ``log_B(X) = log_α(D)``."""
    w = group.random_scalar() if w is None else w
    key = group.base_mul(secret)
    share = group.mul(alpha, secret)
    c = _dec_challenge(group, ctx, key, alpha, share, group.base_mul(w), group.mul(alpha, w))
    return share, CompactProof(c, (w + c * secret) % group.order)


def verify_decryption(
    group: Group[E], ctx: DecryptionContext, key: E, alpha: E, share: E, proof: CompactProof
) -> bool:
    c, s = proof.challenge, proof.response
    # Public data only: the double multiplications may be variable-time (group.py).
    a = group.base_double_mul(s, -c, key)
    a2 = group.double_mul(s, alpha, -c, share)
    return _dec_challenge(group, ctx, key, alpha, share, a, a2) == c
