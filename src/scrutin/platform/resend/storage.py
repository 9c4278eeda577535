"""Identity documents encrypted at rest (CCTP 5.1.3.3; docs/resend.md, "Storage").

Each document is sealed with XChaCha20-Poly1305 (libsodium's AEAD) under a key that never enters
the database: ``SCRUTIN_RESEND_DOCUMENT_KEYS`` (``id:64-hex`` entries, comma separated, the first
is the current one), else the file ``var/resend_document_keys`` (one ``id hex`` line per key, the
last is the current one), created mode 0600 on first use, like the credential pepper. The
associated data binds the ciphertext to its request and type: a sealed document copied onto
another request does not open. The stored row holds ``key_id`` and ``nonce || ciphertext`` only.

Rotation (``scrutin resend rotate-key``): a new key is appended and becomes current, every
document is re-sealed under it, and keys older than the previous one that no document uses any
more are removed from the file (the previous one stays one rotation longer, for a document a web
worker sealed while the rotation ran).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings as sodium
from django.conf import settings

NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
KEY_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES


class KeyMissing(RuntimeError):
    """A document was sealed under a key that is no longer configured."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes


def key_file() -> Path:
    return Path(settings.VAR_DIR) / "resend_document_keys"


def _parse_env(raw: str) -> list[tuple[str, bytes]]:
    keys = []
    for entry in (part.strip() for part in raw.split(",")):
        if entry:
            key_id, _, hex_key = entry.partition(":")
            keys.append((key_id.strip(), bytes.fromhex(hex_key.strip())))
    return keys  # the first is current


def _read_file(path: Path) -> list[tuple[str, bytes]]:
    keys = []
    for line in path.read_text().splitlines():
        if line.strip():
            key_id, hex_key = line.split()
            keys.append((key_id, bytes.fromhex(hex_key)))
    return list(reversed(keys))  # the last line is current: put it first


def _new_line() -> str:
    return f"{secrets.token_hex(4)} {secrets.token_hex(KEY_BYTES)}\n"


def all_keys() -> list[tuple[str, bytes]]:
    """Every configured key, the current one first (read at each call: a rotation by the
    command is seen by the web workers at once)."""
    raw = os.environ.get("SCRUTIN_RESEND_DOCUMENT_KEYS") or getattr(
        settings, "SCRUTIN_RESEND_DOCUMENT_KEYS", ""
    )
    if raw:
        found = _parse_env(raw)
    else:
        path = key_file()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(_new_line())
        found = _read_file(path)
    if not found or any(len(key) != KEY_BYTES for _, key in found):
        raise RuntimeError("resend document keys: each key must be 32 bytes (64 hex characters)")
    return found


def _aad(public_id: str, kind: str) -> bytes:
    return f"scrutin/resend-document/v1|{public_id}|{kind}".encode()


def seal(data: bytes, public_id: str, kind: str) -> Sealed:
    key_id, key = all_keys()[0]
    nonce = secrets.token_bytes(NONCE_BYTES)
    ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        data, _aad(public_id, kind), nonce, key
    )
    return Sealed(key_id, nonce + ciphertext)


def open_sealed(sealed: Sealed, public_id: str, kind: str) -> bytes:
    """The document's bytes; :class:`KeyMissing` without its key, ``nacl`` raises on tampering."""
    key = dict(all_keys()).get(sealed.key_id)
    if key is None:
        raise KeyMissing(sealed.key_id)
    blob = bytes(sealed.blob)
    return bytes(
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[NONCE_BYTES:], _aad(public_id, kind), blob[:NONCE_BYTES], key
        )
    )


def add_key() -> str:
    """Append a new current key to the key file; its id. Refused with keys from the
    environment (the operator rotates them there)."""
    if os.environ.get("SCRUTIN_RESEND_DOCUMENT_KEYS") or getattr(
        settings, "SCRUTIN_RESEND_DOCUMENT_KEYS", ""
    ):
        raise RuntimeError(
            "les clés viennent de la variable SCRUTIN_RESEND_DOCUMENT_KEYS : changez-les là"
        )
    all_keys()  # creates the file if needed
    line = _new_line()
    with key_file().open("a") as fh:
        fh.write(line)
    return line.split()[0]


def drop_keys(unused: set[str]) -> list[str]:
    """Remove from the key file the keys in ``unused`` except the current and previous ones."""
    path = key_file()
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    keep_always = {line.split()[0] for line in lines[-2:]}
    kept = [
        line for line in lines if line.split()[0] in keep_always or line.split()[0] not in unused
    ]
    dropped = [line.split()[0] for line in lines if line not in kept]
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(f"{line}\n" for line in kept))
    os.replace(tmp, path)
    return dropped
