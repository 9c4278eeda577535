"""Login throttling and lockout for the voters' site (issue 6; CCTP 4.1.4.2).

Two counters in the cache (Redis in production): per source address and per identifier. The
identifier counter is keyed by a hash of the normalised identifier, whether or not it exists,
so a lockout says nothing about the identifier. A lock lasts ``LOCK_SECONDS`` from the moment it
is set and cannot be shortened by further attempts (incompressible). The source address is
kept only as a hash, and only for the throttling window.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

MAX_FAILURES = getattr(settings, "SCRUTIN_VOTER_MAX_FAILURES", 5)
LOCK_SECONDS = getattr(settings, "SCRUTIN_VOTER_LOCK_SECONDS", 15 * 60)
SOURCE_MAX_FAILURES = getattr(settings, "SCRUTIN_VOTER_SOURCE_MAX_FAILURES", 50)
SOURCE_WINDOW = 15 * 60


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]
    return f"vote:{kind}:{digest}"


def normalise_identifier(identifier: str) -> str:
    return "".join(ch for ch in identifier if ch.isdigit())


def locked_until(identifier: str, source: str) -> float | None:
    """Epoch time until which this login is refused, or None."""
    now = time.time()
    for key in (_key("lock-id", normalise_identifier(identifier)), _key("lock-ip", source)):
        until = cache.get(key)
        if until is not None and until > now:
            return float(until)
    return None


def _count(key: str) -> int:
    """Add one to a counter that lives for the throttling window; return its new value."""
    cache.add(key, 0, SOURCE_WINDOW)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, SOURCE_WINDOW)
        return 1


def record_failure(identifier: str, source: str) -> float | None:
    """Count a failed attempt; return the lock's end if this failure sets one."""
    locked = None
    now = time.time()
    for kind, value, limit, lock_key in (
        ("fail-id", normalise_identifier(identifier), MAX_FAILURES, "lock-id"),
        ("fail-ip", source, SOURCE_MAX_FAILURES, "lock-ip"),
    ):
        key = _key(kind, value)
        if _count(key) >= limit:
            until = now + LOCK_SECONDS
            if cache.add(_key(lock_key, value), until, LOCK_SECONDS):  # never extended
                locked = until
            cache.delete(key)
    return locked


def record_success(identifier: str) -> None:
    cache.delete(_key("fail-id", normalise_identifier(identifier)))


MAIL_PER_SOURCE = 5


def record_mail(source: str) -> bool:
    """Count a receipt e-mail from this source; True when the limit is exceeded."""
    return _count(_key("mail-ip", source)) > MAIL_PER_SOURCE
