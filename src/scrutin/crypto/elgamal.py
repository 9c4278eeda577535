"""Exponential ElGamal: ``Enc(m; r) = (r·B, m·B + r·Y)`` (docs/protocol.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from scrutin.crypto.group import Group

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class Ciphertext(Generic[E]):
    alpha: E
    beta: E


def encrypt(group: Group[E], public_key: E, message: int, nonce: int) -> Ciphertext[E]:
    """Encrypt a small non-negative integer with an explicit nonce ``0 < nonce < order``."""
    return Ciphertext(
        group.base_mul(nonce),
        group.add(group.small_multiple(message), group.mul(public_key, nonce)),
    )


def add(group: Group[E], a: Ciphertext[E], b: Ciphertext[E]) -> Ciphertext[E]:
    return Ciphertext(group.add(a.alpha, b.alpha), group.add(a.beta, b.beta))


def scale(group: Group[E], a: Ciphertext[E], k: int) -> Ciphertext[E]:
    return Ciphertext(group.mul(a.alpha, k), group.mul(a.beta, k))


def zero(group: Group[E]) -> Ciphertext[E]:
    return Ciphertext(group.identity(), group.identity())


def aggregate(group: Group[E], items: list[Ciphertext[E]]) -> Ciphertext[E]:
    """Homomorphic sum (the identity pair for an empty list)."""
    return Ciphertext(group.sum([c.alpha for c in items]), group.sum([c.beta for c in items]))


def decrypt_to_point(group: Group[E], secret_key: int, ct: Ciphertext[E]) -> E:
    """``β − x·α = m·B`` (single-key decryption; used by tests and key-ceremony checks)."""
    return group.sub(ct.beta, group.mul(ct.alpha, secret_key))
