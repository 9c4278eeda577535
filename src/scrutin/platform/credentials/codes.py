"""Secret codes: alphabet, CSPRNG generation, formatting, normalisation and keyed hashing.

No Django here: the bulk generator is shared by the services, the benchmark and the tests.

* Alphabet: the 31 characters ``23456789ABCDEFGHJKMNPQRSTUVWXYZ`` — digits and capital letters
  without ``0 O 1 I L`` (the pairs a reader confuses on a letter or a phone screen).
* Length: 15 characters printed as three groups of five (``XXXXX-XXXXX-XXXXX``), so
  ``15 × log2(31) ≈ 74.3`` bits of entropy (see docs/credentials.md for the threat model).
* Randomness: bytes from :func:`secrets.token_bytes` (the OS CSPRNG), mapped to characters by
  rejection sampling (a byte ``b < 248 = 8 × 31`` gives ``b mod 31``; larger bytes are dropped),
  which keeps every character exactly uniform.
* Storage: ``HMAC-SHA-256(pepper, "scrutin/credential/v1|" + identifier + "|" + code)`` over the
  normalised code; binding the identifier means one guess tests one line only.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Callable

import numpy as np

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 15
GROUP = 5
ENTROPY_BITS = CODE_LENGTH * math.log2(len(ALPHABET))
_ACCEPT_BELOW = 256 - 256 % len(ALPHABET)  # 248: the bytes kept by rejection sampling
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_DOMAIN = b"scrutin/credential/v1|"
_SEPARATORS = str.maketrans("", "", " -\t\u00a0\u2010\u2011\u2012\u2013\u2014._")
IDENTIFIER_LENGTH = 13

RandomBytes = Callable[[int], bytes]


def indices_from_bytes(data: bytes) -> np.ndarray:
    """Alphabet indices drawn from random bytes by rejection sampling (uniform over 0–30)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    return raw[raw < _ACCEPT_BELOW] % len(ALPHABET)


def random_codes(count: int, randbytes: RandomBytes = secrets.token_bytes) -> list[str]:
    """``count`` independent codes (unformatted, ``CODE_LENGTH`` characters each)."""
    need = count * CODE_LENGTH
    parts: list[np.ndarray] = []
    have = 0
    while have < need:
        missing = need - have
        chunk = indices_from_bytes(randbytes(missing + missing // 16 + 64))
        parts.append(chunk)
        have += chunk.size
    indices = np.concatenate(parts)[:need] if parts else np.empty(0, dtype=np.uint8)
    text = _ALPHABET_BYTES[indices].tobytes().decode("ascii")
    return [text[i : i + CODE_LENGTH] for i in range(0, need, CODE_LENGTH)]


def format_code(code: str) -> str:
    """``ABCDEFGHJKMNPQR`` → ``ABCDE-FGHJK-MNPQR`` (as printed on the letter)."""
    if len(code) == CODE_LENGTH == 3 * GROUP:
        return f"{code[:GROUP]}-{code[GROUP : 2 * GROUP]}-{code[2 * GROUP :]}"
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(typed: str) -> str:
    """What the voter typed, without spaces/dashes/dots, in capitals (case does not matter)."""
    return typed.translate(_SEPARATORS).upper()


def normalise_identifier(typed: str) -> str:
    """The identifier without spaces, dashes or dots (13 digits when well typed)."""
    return typed.translate(_SEPARATORS)


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def code_hash(pepper: bytes, identifier: str, code: str) -> bytes:
    """The stored value: HMAC-SHA-256 keyed with the pepper over the identifier and the code."""
    message = b"".join((_DOMAIN, identifier.encode("utf-8"), b"|", code.encode("utf-8")))
    return hmac.digest(pepper, message, "sha256")


def pepper_bytes(setting: str) -> bytes:
    """The pepper setting as key bytes (hex when it is hex, else its UTF-8 bytes)."""
    if len(setting) < 32:
        raise ValueError("SCRUTIN_CREDENTIAL_PEPPER must hold at least 32 characters")
    try:
        return bytes.fromhex(setting)
    except ValueError:
        return setting.encode("utf-8")
