"""Key ceremony: president AND at least t assessors are needed (CCTP 3.2.2.6, 4.1.4.8)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from scrutin.crypto import dkg, elgamal
from scrutin.crypto.decryption import lagrange_at_zero
from scrutin.crypto.dlog import solve
from scrutin.crypto.group import GROUP_NAMES, get_group
from scrutin.record.simulate import run_ceremony


def ceremony(group: str, n: int = 3, t: int = 2) -> dkg.Ceremony:
    return dkg.Ceremony(
        "coe-test",
        group,
        dkg.TrusteeId("P"),
        tuple(dkg.TrusteeId(f"A{i}") for i in range(1, n + 1)),
        t,
    )


def decrypt_with(g: Any, c: dkg.Ceremony, shares: dict[str, int], who: list[str], ct: Any) -> Any:
    """Combine as the protocol does: president's share + Lagrange over the assessors in ``who``."""
    assessors = [a for a in who if a != c.president]
    idx = [c.index(a) for a in assessors]
    m = ct.beta
    if c.president in who:
        m = g.sub(m, g.mul(ct.alpha, shares[c.president]))
    for a in assessors:
        lam = lagrange_at_zero(idx, c.index(a), g.order)
        m = g.sub(m, g.mul(ct.alpha, shares[a] * lam % g.order))
    return m


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_cctp_3_2_2_6_president_and_one_assessor_decrypt(group: str) -> None:
    g = get_group(group)
    c = ceremony(group, 3, 1)
    trustees, shares = run_ceremony(c)
    y = dkg.trustee_keys(trustees).public_key
    ct = elgamal.encrypt(g, y, 5, g.random_scalar())
    for a in c.assessors:
        assert solve(g, decrypt_with(g, c, shares, [c.president, a], ct), 10) == 5


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_cctp_3_2_2_6_no_decryption_without_president_or_assessors(group: str) -> None:
    g = get_group(group)
    c = ceremony(group, 3, 2)
    trustees, shares = run_ceremony(c)
    y = dkg.trustee_keys(trustees).public_key
    ct = elgamal.encrypt(g, y, 5, g.random_scalar())
    target = g.small_multiple(5)
    # All assessors without the president: wrong result.
    assert not g.equal(decrypt_with(g, c, shares, list(c.assessors), ct), target)
    # President with fewer than t assessors: wrong result.
    for a in c.assessors:
        assert not g.equal(decrypt_with(g, c, shares, [c.president, a], ct), target)
    # President with any t assessors: right result.
    for pair in itertools.combinations(c.assessors, 2):
        assert g.equal(decrypt_with(g, c, shares, [c.president, *pair], ct), target)


def test_verification_keys_match_shares() -> None:
    c = ceremony("ristretto255", 4, 3)
    trustees, shares = run_ceremony(c)
    keys = dkg.trustee_keys(trustees)
    g = get_group("ristretto255")
    for t, x in shares.items():
        assert g.equal(keys.keys[t], g.base_mul(x))


def test_bad_share_raises_a_complaint_and_blocks_finalisation() -> None:
    c = ceremony("ristretto255", 3, 2)
    secrets: dict[str, dict[str, Any]] = {}
    r1 = []
    for t in (c.president, *c.assessors):
        s, m = dkg.round1(c, t)
        secrets[t] = s
        r1.append(m)
    # A2 deals with a polynomial that does not match its commitments.
    cheat = dict(secrets["A2"], coefficients=[format(5, "064x"), format(6, "064x")])
    r2 = [
        dkg.round2(c, secrets["A1"], r1),
        dkg.round2(c, cheat, r1),
        dkg.round2(c, secrets["A3"], r1),
    ]
    _, conf = dkg.round3(c, secrets["A1"], r1, r2)
    assert conf["complaints"] == ["A2"]
    confirmations = [dkg.round3(c, secrets[t], r1, r2)[1] for t in secrets]
    with pytest.raises(dkg.CeremonyError):
        dkg.finalize(c, r1, confirmations)


def test_rogue_key_is_refused_by_proof_of_knowledge() -> None:
    c = ceremony("ristretto255", 2, 1)
    r1 = []
    for t in (c.president, *c.assessors):
        r1.append(dkg.round1(c, t)[1])
    # The president replaces his commitment after seeing the others' (rogue-key attack).
    r1[0] = dict(r1[0], commitments=[r1[1]["commitments"][0]])
    with pytest.raises(dkg.CeremonyError, match="proof of knowledge"):
        dkg.check_round1(c, r1)


def test_ceremony_parameters_are_validated() -> None:
    good = ceremony("P-256").to_json()
    assert dkg.parse_ceremony(good).threshold == 2
    for bad in (
        dict(good, threshold=0),
        dict(good, threshold=4),
        dict(good, assessors=[]),
        dict(good, assessors=["A1", "A1"]),
        dict(good, president="A1"),
        dict(good, group="curve25519"),
    ):
        with pytest.raises(dkg.CeremonyError):
            dkg.parse_ceremony(bad)
