"""Wire encodings shared by the whole protocol (docs/protocol.md §3–§4).

* scalars: 64 lowercase hexadecimal characters, the big-endian value, required ``< order``;
* group elements: lowercase hexadecimal of the group encoding (64 characters for ristretto255,
  130 for P-256);
* fingerprints: SHA-256 over the RFC 8785 canonical JSON of a document, 64 lowercase hex;
* Fiat–Shamir transcripts: length-prefixed items hashed with SHA-512, reduced modulo the order.

Together with :mod:`scrutin.crypto.group` this is the only part of ``scrutin.crypto`` that the
independent verifier imports.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar, cast

import rfc8785

from scrutin.crypto.group import EncodingError, Group, InvalidElement, InvalidScalar

E = TypeVar("E")

__all__ = [
    "EncodingError",
    "InvalidElement",
    "InvalidScalar",
    "Transcript",
    "canonical_json",
    "decode_point",
    "decode_scalar",
    "encode_point",
    "encode_scalar",
    "fingerprint",
    "hex_bytes",
]

_HEX = frozenset("0123456789abcdef")


def hex_bytes(value: object, length: int, what: str = "value") -> bytes:
    """Decode exactly ``length`` bytes written as ``2*length`` lowercase hex characters."""
    if not isinstance(value, str):
        raise EncodingError(f"{what}: expected a hexadecimal string, got {type(value).__name__}")
    if len(value) != 2 * length:
        raise EncodingError(f"{what}: expected {2 * length} hex characters, got {len(value)}")
    if not _HEX.issuperset(value):
        raise EncodingError(f"{what}: only lowercase hexadecimal characters are allowed")
    return bytes.fromhex(value)


def encode_scalar(k: int) -> str:
    return format(k, "064x")


def decode_scalar(group: Group[Any], value: object, what: str = "scalar") -> int:
    k = int.from_bytes(hex_bytes(value, 32, what), "big")
    if k >= group.order:
        raise InvalidScalar(f"{what}: scalar not reduced modulo the group order")
    return k


def encode_point(group: Group[E], a: E) -> str:
    return group.encode(a).hex()


def decode_point(
    group: Group[E], value: object, what: str = "point", *, allow_identity: bool = False
) -> E:
    data = hex_bytes(value, group.element_size, what)
    try:
        return group.decode(data, allow_identity=allow_identity)
    except InvalidElement as exc:
        raise InvalidElement(f"{what}: {exc}") from exc


def canonical_json(document: object) -> bytes:
    """RFC 8785 (JCS) canonical form; raises :class:`EncodingError` on floats or big ints."""
    try:
        return rfc8785.dumps(cast(Any, document))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise EncodingError(f"document cannot be canonicalised: {exc}") from exc


def fingerprint(document: object) -> str:
    """SHA-256 of the canonical JSON, as 64 lowercase hex characters."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def u32(n: int) -> bytes:
    if not 0 <= n < 2**32:
        raise ValueError("u32 out of range")
    return n.to_bytes(4, "big")


class Transcript:
    """A Fiat–Shamir transcript: ``item(x) = u32be(len(x)) || x``, hashed with SHA-512.

    The first item is a domain-separation tag such as ``scrutin/v1/ballot/choice``.
    """

    __slots__ = ("_hash",)

    def __init__(self, tag: str) -> None:
        self._hash = hashlib.sha512()
        self.bytes_item(tag.encode("ascii"))

    def bytes_item(self, data: bytes) -> Transcript:
        self._hash.update(len(data).to_bytes(4, "big"))
        self._hash.update(data)
        return self

    def u32_item(self, n: int) -> Transcript:
        return self.bytes_item(u32(n))

    def text_item(self, text: str) -> Transcript:
        return self.bytes_item(text.encode("utf-8"))

    def copy(self) -> Transcript:
        clone = Transcript.__new__(Transcript)
        clone._hash = self._hash.copy()
        return clone

    def challenge(self, order: int) -> int:
        """The SHA-512 digest read as a big-endian integer, reduced modulo ``order``."""
        return int.from_bytes(self._hash.digest(), "big") % order
