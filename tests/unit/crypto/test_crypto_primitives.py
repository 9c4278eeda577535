"""Group layer, ElGamal, proofs, dlog, signatures and keystore, in both groups."""

from __future__ import annotations

import pytest

from scrutin.crypto import elgamal
from scrutin.crypto.chaum_pedersen import (
    CompactProof,
    DecryptionContext,
    prove_decryption,
    prove_knowledge,
    verify_decryption,
    verify_knowledge,
)
from scrutin.crypto.dlog import DiscreteLogNotFound, solve
from scrutin.crypto.encoding import EncodingError, decode_point, decode_scalar, encode_point
from scrutin.crypto.group import GROUP_NAMES, UnknownGroup, get_group
from scrutin.crypto.keystore import KeystoreError, WeakPassphrase, open_sealed, seal
from scrutin.crypto.proofs import (
    ProofContext,
    prove_disjunctive,
    random_disjunctive,
    verify_disjunctive,
)
from scrutin.crypto.signing import (
    InvalidSignature,
    generate_signing_key,
    sign_document,
    verify_document,
)

FAST = {"opslimit": 2, "memlimit": 8 * 1024 * 1024}


@pytest.fixture(params=GROUP_NAMES)
def g(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return get_group(request.param)


def test_identity_is_handled_explicitly(g) -> None:  # type: ignore[no-untyped-def]
    zero = g.base_mul(0)
    assert g.is_identity(zero)
    p = g.base_mul(5)
    assert g.equal(g.add(p, zero), p)
    assert g.is_identity(g.sub(p, p))
    assert g.is_identity(g.mul(p, 0))
    assert g.is_identity(g.mul(zero, 7))
    with pytest.raises(EncodingError):
        g.decode(g.encode(zero))
    assert g.is_identity(g.decode(g.encode(zero), allow_identity=True))


def test_scalar_encoding_is_strict(g) -> None:  # type: ignore[no-untyped-def]
    for bad in [format(g.order, "064x"), "f" * 64, "1", "G" * 64, 5, None]:
        with pytest.raises(EncodingError):
            decode_scalar(g, bad)
    assert decode_scalar(g, format(g.order - 1, "064x")) == g.order - 1


def test_point_roundtrip_and_wrong_lengths(g) -> None:  # type: ignore[no-untyped-def]
    p = g.base_mul(123456789)
    assert g.equal(decode_point(g, encode_point(g, p)), p)
    with pytest.raises(EncodingError):
        decode_point(g, encode_point(g, p)[:-2])
    with pytest.raises(EncodingError):
        decode_point(g, encode_point(g, p) + "00")


def test_unknown_group() -> None:
    with pytest.raises(UnknownGroup):
        get_group("secp256k1")


def test_elgamal_is_additively_homomorphic(g) -> None:  # type: ignore[no-untyped-def]
    x = g.random_scalar()
    y = g.base_mul(x)
    a = elgamal.encrypt(g, y, 3, g.random_scalar())
    b = elgamal.encrypt(g, y, 4, g.random_scalar())
    total = elgamal.add(g, a, b)
    assert solve(g, elgamal.decrypt_to_point(g, x, total), 10) == 7
    zero = elgamal.encrypt(g, y, 0, g.random_scalar())
    assert g.is_identity(elgamal.decrypt_to_point(g, x, zero))


def test_dlog_bounds(g) -> None:  # type: ignore[no-untyped-def]
    for m in (0, 1, 17, 99, 100):
        assert solve(g, g.base_mul(m), 100) == m
    with pytest.raises(DiscreteLogNotFound):
        solve(g, g.base_mul(101), 100)


def test_disjunctive_proof_binds_value_and_context(g) -> None:  # type: ignore[no-untyped-def]
    y = g.base_mul(g.random_scalar())
    r = g.random_scalar()
    ct = elgamal.encrypt(g, y, 2, r)
    ctx = ProofContext("scrutin/v1/test", b"\x01" * 32, 0, 0, y)
    proof = prove_disjunctive(g, ctx, ct, r, [1, 2, 3], 1, random_disjunctive(g, 3))
    assert verify_disjunctive(g, ctx, ct, [1, 2, 3], proof)
    assert not verify_disjunctive(g, ctx, ct, [1, 3, 2], proof)
    other = ProofContext("scrutin/v1/test", b"\x02" * 32, 0, 0, y)
    assert not verify_disjunctive(g, other, ct, [1, 2, 3], proof)
    # A false statement cannot be proven: claim 2 is 1.
    bad = prove_disjunctive(g, ctx, ct, r, [1, 3, 4], 0, random_disjunctive(g, 3))
    assert not verify_disjunctive(g, ctx, ct, [1, 3, 4], bad)


def test_chaum_pedersen_and_schnorr(g) -> None:  # type: ignore[no-untyped-def]
    x = g.random_scalar()
    alpha = g.base_mul(g.random_scalar())
    ctx = DecryptionContext(b"\x00" * 32, 1, 2, "assessor-1")
    share, proof = prove_decryption(g, ctx, x, alpha)
    assert verify_decryption(g, ctx, g.base_mul(x), alpha, share, proof)
    assert not verify_decryption(g, ctx, g.base_mul(x), alpha, g.add(share, g.generator()), proof)
    wrong = DecryptionContext(b"\x00" * 32, 1, 3, "assessor-1")
    assert not verify_decryption(g, wrong, g.base_mul(x), alpha, share, proof)
    pok = prove_knowledge(g, b"c" * 32, "president", x)
    assert verify_knowledge(g, b"c" * 32, "president", g.base_mul(x), pok)
    assert not verify_knowledge(g, b"c" * 32, "assessor-1", g.base_mul(x), pok)
    forged = CompactProof(pok.challenge, (pok.response + 1) % g.order)
    assert not verify_knowledge(g, b"c" * 32, "president", g.base_mul(x), forged)


def test_ed25519_signatures_over_canonical_json() -> None:
    key = generate_signing_key()
    doc = {"b": 1, "a": "é"}
    sig = bytes.fromhex(sign_document(key, doc))
    verify_document(bytes(key.verify_key), {"a": "é", "b": 1}, sig)
    with pytest.raises(InvalidSignature):
        verify_document(bytes(key.verify_key), {"a": "e", "b": 1}, sig)


def test_cctp_4_1_4_8_keystore_needs_the_passphrase() -> None:
    doc = seal({"share": "01"}, "une phrase de passe longue", "test", **FAST)
    assert open_sealed(doc, "une phrase de passe longue") == {"share": "01"}
    with pytest.raises(KeystoreError):
        open_sealed(doc, "une autre phrase de passe")
    tampered = dict(doc, purpose="autre")
    with pytest.raises(KeystoreError):
        open_sealed(tampered, "une phrase de passe longue")
    with pytest.raises(WeakPassphrase):
        seal({}, "court", "test", **FAST)
