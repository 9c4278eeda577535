"""The platform's Ed25519 signing key (receipts, seals, journal checkpoints — crypto.md).

From ``SCRUTIN_SIGNING_KEY`` (64 hex characters: the 32-byte seed), else generated once into
``var/signing_key`` (mode 0600). Its public half is published in every election's parameters
(``platform_key``) so anyone can check a receipt.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import nacl.signing
from django.conf import settings

from scrutin.crypto.signing import public_key_hex


@lru_cache(maxsize=1)
def platform_signing_key() -> nacl.signing.SigningKey:
    seed_hex = os.environ.get("SCRUTIN_SIGNING_KEY")
    if not seed_hex:
        path = Path(settings.VAR_DIR) / "signing_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(nacl.signing.SigningKey.generate().encode().hex())
        seed_hex = path.read_text().strip()
    return nacl.signing.SigningKey(bytes.fromhex(seed_hex))


def platform_public_key_hex() -> str:
    return public_key_hex(platform_signing_key())
