"""Lockout after repeated sign-in failures, per account and per source IP (CCTP 4.1.4.7).

Counters live in the cache (Redis when ``SCRUTIN_REDIS_URL`` is set, shared by every worker).
Failures on an unknown login count exactly like failures on a real one, and a locked login
gets the same answer as a wrong password: nothing tells whether an account exists. Each attempt
is padded to ``SCRUTIN_LOGIN_MIN_SECONDS`` so timing does not tell either.

Settings: ``SCRUTIN_LOGIN_MAX_FAILURES`` (per account, default 5),
``SCRUTIN_LOGIN_MAX_FAILURES_PER_IP`` (default 30), ``SCRUTIN_LOGIN_LOCKOUT_SECONDS``
(window and lock duration, default 900), ``SCRUTIN_LOGIN_MIN_SECONDS`` (default 1.0).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


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


def client_ip(request: HttpRequest | None) -> str:
    """The peer address; behind a reverse proxy, set ``SCRUTIN_TRUSTED_PROXY_HEADER``."""
    if request is None:
        return "-"
    header = _setting("SCRUTIN_TRUSTED_PROXY_HEADER", "")
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", "-"))


def _keys(username: str, ip: str) -> tuple[str, str]:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"accounts:lock:user:{digest}", f"accounts:lock:ip:{ip}"


def is_locked(username: str, ip: str) -> bool:
    user_key, ip_key = _keys(username, ip)
    counts = cache.get_many([user_key, ip_key])
    return (
        int(counts.get(user_key, 0)) >= max_failures()
        or int(counts.get(ip_key, 0)) >= max_failures_per_ip()
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


def record_failure(username: str, ip: str) -> None:
    for key in _keys(username, ip):
        _bump(key)


def clear_account(username: str) -> None:
    """After a successful sign-in (the per-IP counter is kept: it is not this user's)."""
    cache.delete(_keys(username, "-")[0])


def pad(started: float) -> None:
    """Sleep until ``SCRUTIN_LOGIN_MIN_SECONDS`` have passed since ``started``."""
    remaining = min_seconds() - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
