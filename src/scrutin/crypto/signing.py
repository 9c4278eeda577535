"""Ed25519 signatures (PyNaCl) over canonical JSON, for records, receipts and seals."""

from __future__ import annotations

from typing import Any

import nacl.exceptions
import nacl.signing

from scrutin.crypto.encoding import canonical_json


class InvalidSignature(ValueError):
    """An Ed25519 signature that does not verify."""


def generate_signing_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey.generate()


def public_key_hex(key: nacl.signing.SigningKey) -> str:
    return bytes(key.verify_key).hex()


def sign_document(key: nacl.signing.SigningKey, document: dict[str, Any]) -> str:
    """Signature (128 hex) over the canonical JSON of ``document``."""
    return bytes(key.sign(canonical_json(document)).signature).hex()


def verify_document(public_key: bytes, document: dict[str, Any], signature: bytes) -> None:
    try:
        nacl.signing.VerifyKey(public_key).verify(canonical_json(document), signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError) as exc:
        raise InvalidSignature("Ed25519 signature does not verify") from exc
