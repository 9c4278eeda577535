"""The prime-order group interface and its two implementations (see docs/protocol.md §2).

This module and :mod:`scrutin.crypto.encoding` form the *shared layer*: the only parts of
``scrutin.crypto`` that the independent verifier (:mod:`scrutin.verify`) may import
(:mod:`scrutin.crypto.p256_openssl` is this module's P-256 backend, part of the layer).

* :class:`Ristretto255` (RFC 9496) through libsodium (``pysodium``): elements are their canonical
  32-byte encodings, since every libsodium call takes and returns encodings.
* :class:`P256` (NIST P-256 / secp256r1) through OpenSSL's libcrypto
  (:mod:`scrutin.crypto.p256_openssl`): elements are their wire encodings, the uncompressed
  SEC 1 form ``04 || X || Y``.

No field or curve arithmetic is written here: this module only validates encodings, converts
scalars and handles the identity element explicitly (libsodium refuses to encode it as a
scalar-multiplication result).
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any, Generic, TypeVar

import pysodium

from scrutin.crypto.p256_openssl import IDENTITY as _P256_IDENTITY
from scrutin.crypto.p256_openssl import OpenSSLP256

E = TypeVar("E")


class EncodingError(ValueError):
    """A value received from outside does not have the documented encoding."""


class InvalidElement(EncodingError):
    """Bytes that are not the canonical encoding of an allowed group element."""


class InvalidScalar(EncodingError):
    """A scalar that is not an integer in ``[0, order)``."""


class UnknownGroup(EncodingError):
    """A group name that is neither ``ristretto255`` nor ``P-256``."""


class Group(ABC, Generic[E]):
    """A cyclic group of prime order with a fixed generator ``B``, written additively."""

    name: str
    order: int
    element_size: int

    @abstractmethod
    def identity(self) -> E: ...

    @abstractmethod
    def generator(self) -> E: ...

    @abstractmethod
    def is_identity(self, a: E) -> bool: ...

    @abstractmethod
    def decode(self, data: bytes, *, allow_identity: bool = False) -> E:
        """Decode and validate; raise :class:`InvalidElement` unless ``data`` is canonical."""

    @abstractmethod
    def encode(self, a: E) -> bytes: ...

    @abstractmethod
    def add(self, a: E, b: E) -> E: ...

    @abstractmethod
    def sub(self, a: E, b: E) -> E: ...

    @abstractmethod
    def mul(self, a: E, k: int) -> E:
        """``k·a`` for ``0 <= k < order``."""

    @abstractmethod
    def base_mul(self, k: int) -> E:
        """``k·B`` for ``0 <= k < order``."""

    @abstractmethod
    def equal(self, a: E, b: E) -> bool: ...

    def base_double_mul(self, k1: int, k2: int, b: E) -> E:
        """``k1·B + k2·b`` for scalars taken modulo the order (negative ones allowed).

        For proof *verification* only: the scalars and points are public, so an implementation
        may use a variable-time algorithm. Secret scalars go through :meth:`base_mul` and
        :meth:`mul` only. Default: one base and one variable-base multiplication.
        """
        return self.add(self.base_mul(k1 % self.order), self.mul(b, k2 % self.order))

    def double_mul(self, k1: int, a: E, k2: int, b: E) -> E:
        """``k1·a + k2·b`` for scalars taken modulo the order; public data only, as above."""
        return self.add(self.mul(a, k1 % self.order), self.mul(b, k2 % self.order))

    def random_scalar(self) -> int:
        """A uniform non-zero scalar from the operating system's CSPRNG."""
        return 1 + secrets.randbelow(self.order - 1)

    def check_scalar(self, k: int) -> int:
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < self.order:
            raise InvalidScalar("scalar outside [0, order)")
        return k

    def small_multiple(self, v: int) -> E:
        """``v·B`` for a small non-negative integer, cached (ballot values, counts)."""
        result: E = _small_multiple(self, v)
        return result

    def sum(self, items: list[E]) -> E:
        if not items:
            return self.identity()
        acc = items[0]
        for item in items[1:]:
            acc = self.add(acc, item)
        return acc


@lru_cache(maxsize=4096)
def _small_multiple(group: Group[Any], v: int) -> Any:
    return group.base_mul(v % group.order)


_RISTRETTO_IDENTITY = bytes(32)


class Ristretto255(Group[bytes]):
    """ristretto255 (RFC 9496) with libsodium; elements are canonical 32-byte encodings."""

    name = "ristretto255"
    order = 2**252 + 27742317777372353535851937790883648493
    element_size = 32

    def __init__(self) -> None:
        self._generator = bytes(pysodium.crypto_scalarmult_ristretto255_base(self._scalar_bytes(1)))

    def identity(self) -> bytes:
        return _RISTRETTO_IDENTITY

    def generator(self) -> bytes:
        return self._generator

    def is_identity(self, a: bytes) -> bool:
        return a == _RISTRETTO_IDENTITY

    def decode(self, data: bytes, *, allow_identity: bool = False) -> bytes:
        if not isinstance(data, bytes) or len(data) != 32:
            raise InvalidElement("a ristretto255 element is exactly 32 bytes")
        if data == _RISTRETTO_IDENTITY:
            if allow_identity:
                return data
            raise InvalidElement("the identity element is not allowed here")
        if not pysodium.crypto_core_ristretto255_is_valid_point(data):
            raise InvalidElement("not a canonical ristretto255 encoding")
        return data

    def encode(self, a: bytes) -> bytes:
        return a

    def add(self, a: bytes, b: bytes) -> bytes:
        if a == _RISTRETTO_IDENTITY:
            return b
        if b == _RISTRETTO_IDENTITY:
            return a
        return bytes(pysodium.crypto_core_ristretto255_add(a, b))

    def sub(self, a: bytes, b: bytes) -> bytes:
        if b == _RISTRETTO_IDENTITY:
            return a
        return bytes(pysodium.crypto_core_ristretto255_sub(a, b))

    @staticmethod
    def _scalar_bytes(k: int) -> bytes:
        return k.to_bytes(32, "little")

    def mul(self, a: bytes, k: int) -> bytes:
        if k == 0 or a == _RISTRETTO_IDENTITY:
            return _RISTRETTO_IDENTITY
        # k in [1, ℓ) and a ≠ identity in a prime-order group: the product is never the
        # identity, so libsodium's refusal of an identity result cannot occur.
        return bytes(pysodium.crypto_scalarmult_ristretto255(self._scalar_bytes(k), a))

    def base_mul(self, k: int) -> bytes:
        if k == 0:
            return _RISTRETTO_IDENTITY
        return bytes(pysodium.crypto_scalarmult_ristretto255_base(self._scalar_bytes(k)))

    def equal(self, a: bytes, b: bytes) -> bool:
        return a == b


class P256(Group[bytes]):
    """NIST P-256 with OpenSSL's libcrypto; elements are their encodings ``04 || X || Y``.

    The identity is 65 zero bytes (docs/protocol.md §2.2). Every element held here is canonical
    (validated on decode or produced by OpenSSL), so byte equality is group equality.
    """

    name = "P-256"
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    element_size = 65
    _field = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF

    def __init__(self) -> None:
        self._ossl = OpenSSLP256()
        self._generator = self._ossl.base_mul(1)

    def identity(self) -> bytes:
        return _P256_IDENTITY

    def generator(self) -> bytes:
        return self._generator

    def is_identity(self, a: bytes) -> bool:
        return a == _P256_IDENTITY

    def decode(self, data: bytes, *, allow_identity: bool = False) -> bytes:
        if not isinstance(data, bytes) or len(data) != 65:
            raise InvalidElement("a P-256 element is exactly 65 bytes (04 || X || Y)")
        if data == _P256_IDENTITY:
            if allow_identity:
                return data
            raise InvalidElement("the identity element is not allowed here")
        if data[0] != 4:
            raise InvalidElement("a P-256 element starts with the byte 04")
        x = int.from_bytes(data[1:33], "big")
        y = int.from_bytes(data[33:], "big")
        if x >= self._field or y >= self._field:
            raise InvalidElement("P-256 coordinate not reduced modulo p")
        # OpenSSL checks the curve equation (EC_POINT_oct2point); P-256 has cofactor 1.
        if not self._ossl.is_valid(data):
            raise InvalidElement("not a point of P-256")
        return data

    def encode(self, a: bytes) -> bytes:
        return a

    def add(self, a: bytes, b: bytes) -> bytes:
        if a == _P256_IDENTITY:
            return b
        if b == _P256_IDENTITY:
            return a
        return self._ossl.add(a, b)

    def sub(self, a: bytes, b: bytes) -> bytes:
        if b == _P256_IDENTITY:
            return a
        return self._ossl.sub(a, b)

    def mul(self, a: bytes, k: int) -> bytes:
        if k == 0 or a == _P256_IDENTITY:
            return _P256_IDENTITY
        return self._ossl.mul(a, k % self.order)

    def base_mul(self, k: int) -> bytes:
        if k == 0:
            return _P256_IDENTITY
        return self._ossl.base_mul(k % self.order)

    def base_double_mul(self, k1: int, k2: int, b: bytes) -> bytes:
        return self._ossl.base_double_mul(k1 % self.order, k2 % self.order, b)

    def double_mul(self, k1: int, a: bytes, k2: int, b: bytes) -> bytes:
        return self._ossl.double_mul(k1 % self.order, a, k2 % self.order, b)

    def equal(self, a: bytes, b: bytes) -> bool:
        return a == b


_GROUPS: dict[str, Group[Any]] = {}


def get_group(name: str) -> Group[Any]:
    """The group named in an election's parameters (``ristretto255`` or ``P-256``)."""
    if name not in _GROUPS:
        if name == Ristretto255.name:
            _GROUPS[name] = Ristretto255()
        elif name == P256.name:
            _GROUPS[name] = P256()
        else:
            raise UnknownGroup(f"unknown group {name!r}: expected 'ristretto255' or 'P-256'")
    return _GROUPS[name]


GROUP_NAMES: tuple[str, ...] = (Ristretto255.name, P256.name)
