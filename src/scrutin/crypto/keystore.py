"""Passphrase-encrypted files for trustees' secrets (docs/key-ceremony.md).

File format ``scrutin-keystore/v1``: Argon2id (libsodium ``crypto_pwhash``) derives a 32-byte key
from the passphrase and a random 16-byte salt; the JSON secret is sealed with XSalsa20-Poly1305
(``crypto_secretbox``). The public header (format, purpose, KDF limits, salt) is repeated inside
the sealed plaintext and compared on opening, so a modified header is detected.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

KEYSTORE_FORMAT = "scrutin-keystore/v1"
MIN_PASSPHRASE = 12
# libsodium's MODERATE limits (256 MiB, about 0.7 s): a trustee opens the file a few times.
DEFAULT_OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_MODERATE
DEFAULT_MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_MODERATE
MAX_FILE = 1_000_000


class KeystoreError(ValueError):
    """A keystore that cannot be opened: wrong passphrase, corrupted or not a keystore."""


class WeakPassphrase(KeystoreError):
    """A passphrase shorter than :data:`MIN_PASSPHRASE` characters."""


def _key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return bytes(
        nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=opslimit,
            memlimit=memlimit,
        )
    )


def seal(
    secret: dict[str, Any],
    passphrase: str,
    purpose: str,
    *,
    opslimit: int = DEFAULT_OPSLIMIT,
    memlimit: int = DEFAULT_MEMLIMIT,
) -> dict[str, Any]:
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(f"passphrase: at least {MIN_PASSPHRASE} characters")
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_key(passphrase, salt, opslimit, memlimit))
    header: dict[str, Any] = {"format": KEYSTORE_FORMAT, "purpose": purpose, "kdf": "argon2id"}
    header |= {"opslimit": opslimit, "memlimit": memlimit, "salt": salt.hex()}
    plaintext = json.dumps({"header": header, "secret": secret}).encode("utf-8")
    return header | {"ciphertext": bytes(box.encrypt(plaintext)).hex()}


def open_sealed(doc: object, passphrase: str) -> dict[str, Any]:
    try:
        if not isinstance(doc, dict) or doc.get("format") != KEYSTORE_FORMAT:
            raise KeystoreError("not a Scrutin keystore file")
        salt = bytes.fromhex(doc["salt"])
        opslimit, memlimit = int(doc["opslimit"]), int(doc["memlimit"])
        if opslimit > 64 or memlimit > 2**31:
            raise KeystoreError("keystore KDF limits out of range")
        box = nacl.secret.SecretBox(_key(passphrase, salt, opslimit, memlimit))
        content = json.loads(box.decrypt(bytes.fromhex(doc["ciphertext"])))
    except nacl.exceptions.CryptoError as exc:
        raise KeystoreError("wrong passphrase or corrupted keystore") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise KeystoreError(f"malformed keystore: {exc}") from exc
    header = {k: doc[k] for k in ("format", "purpose", "kdf", "opslimit", "memlimit", "salt")}
    if content.get("header") != header:
        raise KeystoreError("keystore header does not match its sealed copy")
    secret = content["secret"]
    if not isinstance(secret, dict):
        raise KeystoreError("malformed keystore content")
    return secret


def write_keystore(path: Path, doc: dict[str, Any]) -> None:
    """Write with owner-only permissions, refusing to overwrite an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def read_keystore(path: Path, passphrase: str) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_FILE:
            raise KeystoreError("keystore file too large")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeystoreError(f"cannot read keystore {path}: {exc}") from exc
    return open_sealed(doc, passphrase)
