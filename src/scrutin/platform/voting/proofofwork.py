"""A small proof of work asked of a source that piles up wrong logins (review 12.1).

The server hands out a challenge bound to the source; the voter's browser (``voting/preuve.js``,
no third-party service) finds a number ``nonce`` such that SHA-256(``challenge:nonce``) starts
with ``bits`` zero bits, about 2^bits hashes; the server checks it with one SHA-256 over at most
``MAX_CHALLENGE + 1 + MAX_NONCE`` bytes, whatever the client sends. Nothing is stored but a
used-challenge marker for the challenge's lifetime (one use each).

Challenge: ``pow1.<bits>.<issued>.<random>.<mac>``, where ``mac`` is an HMAC (key derived from
``SECRET_KEY``) over the rest and the source: it cannot be moved to another source, forged with
fewer bits, or reused, and it expires ``lifetime()`` seconds after it was issued.

Difficulty: 0 below ``throttle.source_free_failures()`` failures from the source in the window,
then ``SCRUTIN_VOTER_POW_BITS`` (16, about 65,000 hashes: a fraction of a second on a phone),
one bit more each time the failures double, at most ``SCRUTIN_VOTER_POW_MAX_BITS`` (20, about a
million hashes: a few seconds on a phone). A challenge keeps the difficulty it was issued with.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from enum import Enum

from django.conf import settings
from django.core.cache import cache

from . import throttle

FORMAT = "pow1"
MAX_CHALLENGE = 100
MAX_NONCE = 20
MAX_BITS = 32


class Refusal(Enum):
    """Why a proof is refused (the voter sees one French message for all of them)."""

    MISSING = "missing"
    MALFORMED = "malformed"
    FORGED = "forged"
    EXPIRED = "expired"
    WRONG = "wrong"
    REUSED = "reused"


def lifetime() -> int:
    return int(getattr(settings, "SCRUTIN_VOTER_POW_SECONDS", 15 * 60))


def required_bits(failures: int) -> int:
    """The difficulty asked of a source with ``failures`` recent failures (0: none asked)."""
    free = max(1, throttle.source_free_failures())
    if failures < free:
        return 0
    base = int(getattr(settings, "SCRUTIN_VOTER_POW_BITS", 16))
    cap = int(getattr(settings, "SCRUTIN_VOTER_POW_MAX_BITS", 20))
    return max(1, min(cap, MAX_BITS, base + (failures // free).bit_length() - 1))


def bits_for(source: str) -> int:
    return required_bits(throttle.source_failures(source))


def _mac(body: str, source: str) -> str:
    key = hashlib.sha256(f"scrutin-voter-pow:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{body}|{source}".encode(), "sha256").hexdigest()[:32]


def issue(source: str, bits: int) -> str:
    body = f"{FORMAT}.{bits}.{int(time.time())}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(body, source)}"


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def check(challenge: str, nonce: str, source: str) -> Refusal | None:
    """None when ``nonce`` solves ``challenge`` for this source (and spends the challenge)."""
    if not challenge or not nonce:
        return Refusal.MISSING
    if (
        len(challenge) > MAX_CHALLENGE
        or len(nonce) > MAX_NONCE
        or not (nonce.isascii() and nonce.isdigit())
    ):
        return Refusal.MALFORMED
    body, _, mac = challenge.rpartition(".")
    parts = body.split(".")
    if len(parts) != 4 or parts[0] != FORMAT or not (parts[1].isdigit() and parts[2].isdigit()):
        return Refusal.MALFORMED
    if not hmac.compare_digest(mac.encode(), _mac(body, source).encode()):
        return Refusal.FORGED
    bits, issued = int(parts[1]), int(parts[2])
    if not 1 <= bits <= MAX_BITS:
        return Refusal.MALFORMED
    if not issued - 5 <= time.time() <= issued + lifetime():
        return Refusal.EXPIRED
    if leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        return Refusal.WRONG
    used = hashlib.sha256(challenge.encode()).hexdigest()[:32]
    if not cache.add(f"vote:pow-used:{used}", 1, lifetime() + 10):
        return Refusal.REUSED
    return None


def solve(challenge: str) -> str:
    """The nonce for ``challenge`` (what the browser computes; for tests and the benchmark)."""
    bits = int(challenge.split(".")[1])
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)
