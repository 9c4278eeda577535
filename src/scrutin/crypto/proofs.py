"""Disjunctive Chaum–Pedersen proofs that a ciphertext encrypts one of a list of values.

For a ciphertext ``(α, β)`` under ``Y`` and allowed values ``v_0 … v_{n-1}``, the proof is the
lists of challenges ``c_j`` and responses ``s_j``; the verifier recomputes the commitments

    A_j = s_j·B − c_j·α        B_j = s_j·Y − c_j·(β − v_j·B)

and accepts iff ``Σ c_j ≡ H(transcript, A_0, B_0, …) (mod ℓ)`` (docs/protocol.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from scrutin.crypto.elgamal import Ciphertext
from scrutin.crypto.encoding import Transcript
from scrutin.crypto.group import Group

E = TypeVar("E")


class InvalidProof(ValueError):
    """A zero-knowledge proof that does not verify."""


@dataclass(frozen=True, slots=True)
class DisjunctiveProof:
    challenges: tuple[int, ...]
    responses: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BranchSimulation:
    """The randomness of one simulated (fake) branch: its challenge and response."""

    challenge: int
    response: int


@dataclass(frozen=True, slots=True)
class DisjunctiveRandomness:
    """``w`` for the real branch and one simulation per other branch, in branch order."""

    w: int
    fakes: tuple[BranchSimulation, ...]


@dataclass(frozen=True, slots=True)
class ProofContext(Generic[E]):
    """What the transcript binds besides the ciphertext and commitments."""

    tag: str
    election_fingerprint: bytes
    question: int
    index: int
    public_key: E


def random_disjunctive(group: Group[E], branches: int) -> DisjunctiveRandomness:
    return DisjunctiveRandomness(
        group.random_scalar(),
        tuple(
            BranchSimulation(group.random_scalar(), group.random_scalar())
            for _ in range(branches - 1)
        ),
    )


def _transcript(group: Group[E], ctx: ProofContext[E], ct: Ciphertext[E], n: int) -> Transcript:
    t = Transcript(ctx.tag)
    t.text_item(group.name)
    t.bytes_item(ctx.election_fingerprint)
    t.u32_item(ctx.question)
    t.u32_item(ctx.index)
    t.bytes_item(group.encode(ctx.public_key))
    t.bytes_item(group.encode(ct.alpha))
    t.bytes_item(group.encode(ct.beta))
    t.u32_item(n)
    return t


def prove_disjunctive(
    group: Group[E],
    ctx: ProofContext[E],
    ct: Ciphertext[E],
    nonce: int,
    values: list[int],
    real: int,
    rnd: DisjunctiveRandomness,
) -> DisjunctiveProof:
    """Prove that ``ct`` encrypts ``values[real]`` (encrypted with ``nonce``) is one of ``values``."""
    n = len(values)
    if len(rnd.fakes) != n - 1:
        raise ValueError("one simulated branch per non-real value is required")
    q = group.order
    y = ctx.public_key
    t = _transcript(group, ctx, ct, n)
    challenges: list[int] = [0] * n
    responses: list[int] = [0] * n
    fakes = iter(rnd.fakes)
    for j, v in enumerate(values):
        if j == real:
            a = group.base_mul(rnd.w)
            b = group.mul(y, rnd.w)
        else:
            fake = next(fakes)
            challenges[j], responses[j] = fake.challenge, fake.response
            a = group.sub(group.base_mul(fake.response), group.mul(ct.alpha, fake.challenge))
            shifted = group.sub(ct.beta, group.small_multiple(v))
            b = group.sub(group.mul(y, fake.response), group.mul(shifted, fake.challenge))
        t.u32_item(v)
        t.bytes_item(group.encode(a))
        t.bytes_item(group.encode(b))
    c = t.challenge(q)
    challenges[real] = (c - sum(challenges)) % q
    responses[real] = (rnd.w + challenges[real] * nonce) % q
    return DisjunctiveProof(tuple(challenges), tuple(responses))


def verify_disjunctive(
    group: Group[E],
    ctx: ProofContext[E],
    ct: Ciphertext[E],
    values: list[int],
    proof: DisjunctiveProof,
) -> bool:
    n = len(values)
    if len(proof.challenges) != n or len(proof.responses) != n:
        return False
    y = ctx.public_key
    t = _transcript(group, ctx, ct, n)
    for v, c, s in zip(values, proof.challenges, proof.responses, strict=True):
        # Public data only: the double multiplications may be variable-time (group.py).
        a = group.base_double_mul(s, -c, ct.alpha)
        shifted = group.sub(ct.beta, group.small_multiple(v))
        b = group.double_mul(s, y, -c, shifted)
        t.u32_item(v)
        t.bytes_item(group.encode(a))
        t.bytes_item(group.encode(b))
    return t.challenge(group.order) == sum(proof.challenges) % group.order
