"""The P-256 group through OpenSSL's libcrypto, and the double multiplications of both groups.

Results are cross-checked against pycryptodome's independent P-256 implementation (the previous
backend); the double multiplications used by proof verification (docs/protocol.md §6, §9, §10)
are checked against separate multiplications, on edge cases included.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest
from Crypto.PublicKey import ECC
from Crypto.PublicKey._point import EccPoint

from scrutin.crypto.group import GROUP_NAMES, Group, get_group
from scrutin.crypto.p256_openssl import OpenSSLP256


@pytest.fixture(params=GROUP_NAMES)
def g(request: pytest.FixtureRequest) -> Group[bytes]:
    return get_group(request.param)


def _reference(data: bytes) -> EccPoint:
    return EccPoint(int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"), "P-256")


def _encode_reference(p: EccPoint) -> bytes:
    if p.is_point_at_infinity():
        return bytes(65)
    x, y = p.xy
    return b"\x04" + int(x).to_bytes(32, "big") + int(y).to_bytes(32, "big")


def test_p256_operations_match_pycryptodome() -> None:
    g = get_group("P-256")
    gen = ECC.EccKey(curve="P-256", d=1).pointQ
    assert g.generator() == _encode_reference(gen)
    for _ in range(20):
        k1, k2 = g.random_scalar(), g.random_scalar()
        a, b = g.base_mul(g.random_scalar()), g.base_mul(g.random_scalar())
        ra, rb = _reference(a), _reference(b)
        assert g.base_mul(k1) == _encode_reference(gen * k1)
        assert g.mul(a, k1) == _encode_reference(ra * k1)
        assert g.add(a, b) == _encode_reference(ra + rb)
        assert g.sub(a, b) == _encode_reference(ra + (-rb))
        assert g.base_double_mul(k1, k2, b) == _encode_reference(gen * k1 + rb * k2)
        assert g.double_mul(k1, a, k2, b) == _encode_reference(ra * k1 + rb * k2)


def test_double_mul_matches_separate_multiplications(g: Group[bytes]) -> None:
    q = g.order
    a, b = g.base_mul(g.random_scalar()), g.base_mul(g.random_scalar())
    for k1, k2 in [(0, 0), (0, 5), (5, 0), (1, q - 1), (q - 1, q - 1), (-3, 7), (q + 2, -1)]:
        expected = g.add(g.base_mul(k1 % q), g.mul(b, k2 % q))
        assert g.base_double_mul(k1, k2, b) == expected
        expected = g.add(g.mul(a, k1 % q), g.mul(b, k2 % q))
        assert g.double_mul(k1, a, k2, b) == expected


def test_double_mul_reaches_and_accepts_the_identity(g: Group[bytes]) -> None:
    k = g.random_scalar()
    gen, zero = g.generator(), g.identity()
    # k·B + (−k)·B = 0, and the identity as an operand.
    assert g.is_identity(g.base_double_mul(k, -k, gen))
    assert g.is_identity(g.double_mul(k, gen, -k, gen))
    assert g.base_double_mul(k, 3, zero) == g.base_mul(k)
    assert g.double_mul(k, zero, 2, gen) == g.base_mul(2)
    assert g.sub(zero, gen) == g.base_mul(g.order - 1)
    assert g.add(gen, g.base_mul(g.order - 1)) == zero


def test_p256_is_thread_safe() -> None:
    g = get_group("P-256")
    cases = [(g.random_scalar(), g.random_scalar()) for _ in range(8)]
    b = g.base_mul(7)
    expected = [g.add(g.base_mul(k1), g.mul(b, k2)) for k1, k2 in cases]
    errors: list[int] = []

    def work(i: int) -> None:
        for _ in range(30):
            k1, k2 = cases[i]
            if g.base_double_mul(k1, k2, b) != expected[i]:
                errors.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _resident_bytes() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_p256_backend_does_not_leak_over_100k_operations() -> None:
    """No OpenSSL object outlives its call: the resident size stays flat (a leaked EC_POINT
    per call would grow it by more than 10 MB over 100k calls)."""
    ossl = OpenSSLP256()
    a = ossl.base_mul(secrets.randbelow(2**255) + 1)
    b = ossl.base_mul(secrets.randbelow(2**255) + 1)
    for _ in range(2_000):  # warm up allocators and the thread's scratch objects
        ossl.add(a, b)
    before = _resident_bytes()
    for i in range(100_000):
        if i % 10 == 0:
            ossl.base_double_mul(i, 3, a)
        else:
            ossl.sub(ossl.add(a, b), b)
    grown = _resident_bytes() - before
    assert grown < 4 * 1024 * 1024, f"resident size grew by {grown} bytes"


def test_p256_scratch_objects_are_freed_with_their_thread() -> None:
    ossl = OpenSSLP256()
    a = ossl.base_mul(5)

    def one_call() -> None:
        ossl.add(a, a)

    for _ in range(300):  # each thread allocates and frees its own BN_CTX and points
        t = threading.Thread(target=one_call)
        t.start()
        t.join()
    before = _resident_bytes()
    for _ in range(2_000):
        t = threading.Thread(target=one_call)
        t.start()
        t.join()
    assert _resident_bytes() - before < 4 * 1024 * 1024
