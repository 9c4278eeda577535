"""The prime-order group interface and its two implementations (see docs/protocol.md §2).

This module and :mod:`scrutin.crypto.encoding` form the *shared layer*: the only parts of
``scrutin.crypto`` that the independent verifier (:mod:`scrutin.verify`) may import.

* :class:`Ristretto255` (RFC 9496) through libsodium (``pysodium``): elements are their canonical
  32-byte encodings, since every libsodium call takes and returns encodings.
* :class:`P256` (NIST P-256 / secp256r1) through pycryptodome's C point arithmetic: elements are
  ``EccPoint`` objects; the wire encoding is the uncompressed SEC 1 form ``04 || X || Y``.

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
from Crypto.PublicKey import ECC
from Crypto.PublicKey._point import EccPoint

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


class P256(Group[EccPoint]):
    """NIST P-256 with pycryptodome; wire encoding ``04 || X || Y`` (65 bytes)."""

    name = "P-256"
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    element_size = 65
    _field = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF

    def __init__(self) -> None:
        # pycryptodome's curve object carries the generator with its precomputed fixed-base
        # table (about 6× faster than a generic point); fall back to the generic point.
        curves = getattr(ECC, "_curves", {})
        gen: EccPoint = (
            curves["P-256"].G if "P-256" in curves else ECC.EccKey(curve="P-256", d=1).pointQ
        )
        self._generator = gen
        self._identity = gen.point_at_infinity()

    def identity(self) -> EccPoint:
        return self._identity

    def generator(self) -> EccPoint:
        return self._generator

    def is_identity(self, a: EccPoint) -> bool:
        return bool(a.is_point_at_infinity())

    def decode(self, data: bytes, *, allow_identity: bool = False) -> EccPoint:
        if not isinstance(data, bytes) or len(data) != 65:
            raise InvalidElement("a P-256 element is exactly 65 bytes (04 || X || Y)")
        if data == bytes(65):
            if allow_identity:
                return self._identity
            raise InvalidElement("the identity element is not allowed here")
        if data[0] != 4:
            raise InvalidElement("a P-256 element starts with the byte 04")
        x = int.from_bytes(data[1:33], "big")
        y = int.from_bytes(data[33:], "big")
        if x >= self._field or y >= self._field:
            raise InvalidElement("P-256 coordinate not reduced modulo p")
        try:
            # pycryptodome checks the curve equation; P-256 has cofactor 1.
            return EccPoint(x, y, "P-256")
        except ValueError as exc:
            raise InvalidElement("not a point of P-256") from exc

    def encode(self, a: EccPoint) -> bytes:
        if a.is_point_at_infinity():
            return bytes(65)
        x, y = a.xy
        return b"\x04" + int(x).to_bytes(32, "big") + int(y).to_bytes(32, "big")

    def add(self, a: EccPoint, b: EccPoint) -> EccPoint:
        return a + b

    def sub(self, a: EccPoint, b: EccPoint) -> EccPoint:
        return a + (-b)

    def mul(self, a: EccPoint, k: int) -> EccPoint:
        if k == 0:
            return self._identity
        return a * k

    def base_mul(self, k: int) -> EccPoint:
        if k == 0:
            return self._identity
        return self._generator * k

    def equal(self, a: EccPoint, b: EccPoint) -> bool:
        return bool(a == b)


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
