"""Lockout after repeated sign-in failures, per account and per source IP (CCTP 4.1.4.7).

Counters live in the cache (Redis when ``SCRUTIN_REDIS_URL`` is set, shared by every worker).
Failures on an unknown login count exactly like failures on a real one, and a locked login
gets the same answer as a wrong password: nothing tells whether an account exists. Each attempt
is padded to ``SCRUTIN_LOGIN_MIN_SECONDS`` so timing does not tell either.

Wrong passwords and wrong second-factor answers are counted apart, per account, and only a
completed sign-in clears them (a right password alone clears neither). The source is the client's
address from :mod:`scrutin.platform.clientaddress` (the proxy's header, from trusted proxies only).

Settings: ``SCRUTIN_LOGIN_MAX_FAILURES`` (per account and per counter, default 5),
``SCRUTIN_LOGIN_MAX_FAILURES_PER_IP`` (default 30), ``SCRUTIN_LOGIN_LOCKOUT_SECONDS``
(window and lock duration, default 900), ``SCRUTIN_LOGIN_MIN_SECONDS`` (default 1.0).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_failures() -> int:
    return int(_setting("SCRUTIN_LOGIN_MAX_FAILURES", 5))


def max_failures_per_ip() -> int:
    return int(_setting("SCRUTIN_LOGIN_MAX_FAILURES_PER_IP", 30))


def window() -> int:
    return int(_setting("SCRUTIN_LOGIN_LOCKOUT_SECONDS", 900))


def min_seconds() -> float:
    return float(_setting("SCRUTIN_LOGIN_MIN_SECONDS", 1.0))


def _digest(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _keys(username: str, source: str) -> tuple[str, str, str]:
    """Wrong passwords of the account, wrong second-factor answers of the account, failures from
    the source (its address, see :mod:`scrutin.platform.clientaddress`)."""
    digest = _digest(username)
    return (f"accounts:lock:user:{digest}", f"accounts:lock:factor:{digest}",
            f"accounts:lock:ip:{source}")  # fmt: skip


def is_locked(username: str, source: str) -> bool:
    password_key, factor_key, source_key = _keys(username, source)
    counts = cache.get_many([password_key, factor_key, source_key])
    return (
        int(counts.get(password_key, 0)) >= max_failures()
        or int(counts.get(factor_key, 0)) >= max_failures()
        or int(counts.get(source_key, 0)) >= max_failures_per_ip()
    )


def _bump(key: str) -> int:
    cache.add(key, 0, timeout=window())
    try:
        value = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window())
        value = 1
    cache.touch(key, window())  # the lock lasts the whole window after the last failure
    return int(value)


def record_failure(username: str, source: str) -> None:
    """A wrong password (or an unknown login)."""
    password_key, _factor_key, source_key = _keys(username, source)
    _bump(password_key)
    _bump(source_key)


def record_factor_failure(username: str, source: str) -> None:
    """A wrong second-factor code or a refused security key. Counted apart from the passwords:
    a right password must not wipe it, or codes could be guessed without end (review 12.3)."""
    _password_key, factor_key, source_key = _keys(username, source)
    _bump(factor_key)
    _bump(source_key)


def clear_account(username: str) -> None:
    """After a *completed* sign-in only (password, then the second factor if the account has
    one): both counters of the account go. The source's counter is kept: it is not this user's."""
    password_key, factor_key, _source_key = _keys(username, "-")
    cache.delete_many([password_key, factor_key])


def pad(started: float) -> None:
    """Sleep until ``SCRUTIN_LOGIN_MIN_SECONDS`` have passed since ``started``."""
    remaining = min_seconds() - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
