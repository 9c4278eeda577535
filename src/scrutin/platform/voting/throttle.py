"""Login throttling and lockout for the voters' site (issue 6 and review 12; CCTP 4.1.4.2).

Counters live in the cache (Redis in production), keyed by keyed hashes: an identifier is
normalised and counted whether or not it exists (a lockout says nothing about it), and a source
address is never kept in clear, and only for the throttling window. ``source`` is the client's
address from :mod:`scrutin.platform.clientaddress` (behind the proxy, from its header).

- **Code step**: wrong codes are counted per identifier *and source*: ``MAX_FAILURES`` of them
  lock that identifier from that source for ``LOCK_SECONDS``. A third party who knows a voter's
  identifier (CCI code + elector number) locks only itself: the voter, from their own
  connection, still gets in with the right code (review 12.4). Guessing stays out of reach: the
  code has about 74 bits, each source gets 5 tries per identifier per lock period, and a source
  piling up failures must pay a proof of work for every further attempt (below).
- **Birth-date step** (reached only with the right code): wrong dates are counted per identifier
  from any source, apart from the codes; ``MAX_FAILURES`` of them lock that step for
  ``LOCK_SECONDS``. Only a completed login clears the counters (review 12.2).
- **Source**: failures of either step from one source are counted over ``WINDOW`` seconds; past
  ``SCRUTIN_VOTER_SOURCE_FREE_FAILURES`` each new attempt from that source must carry a solved
  proof of work (:mod:`.proofofwork`) whose difficulty grows with the failures. It slows whoever
  floods from an address and never locks out the voters who share it (carrier-grade NAT, a
  company's connection): each of them pays a few seconds of computation once (review 12.1).

A lock's end is fixed when it is set (``cache.add``): further attempts, or a later success, never
move it (incompressible).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 15 * 60


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_failures() -> int:
    return _setting("SCRUTIN_VOTER_MAX_FAILURES", 5)


def lock_seconds() -> int:
    return _setting("SCRUTIN_VOTER_LOCK_SECONDS", 15 * 60)


def source_free_failures() -> int:
    """Failures from one source in the window before it must pay a proof of work."""
    return _setting("SCRUTIN_VOTER_SOURCE_FREE_FAILURES", 20)


def _key(kind: str, *values: str) -> str:
    joined = "|".join(values)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{joined}".encode()).hexdigest()[:32]
    return f"vote:{kind}:{digest}"


def normalise_identifier(identifier: str) -> str:
    return "".join(ch for ch in identifier if ch.isdigit())


def _count(key: str, lifetime: int = WINDOW) -> int:
    """Add one to a counter that lives ``lifetime`` seconds from its first count; return its
    new value."""
    cache.add(key, 0, lifetime)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, lifetime)
        return 1


def _until(lock_key: str) -> float | None:
    until = cache.get(lock_key)
    return float(until) if until is not None and until > time.time() else None


def _fail(counter_key: str, lock_key: str, source: str) -> float | None:
    """Count one failure on ``counter_key`` and on the source; set the lock at the limit and
    return its end when this failure sets it."""
    _count(_key("fail-src", source))
    if _count(counter_key) < max_failures():
        return None
    cache.delete(counter_key)
    until = time.time() + lock_seconds()
    return until if cache.add(lock_key, until, lock_seconds()) else _until(lock_key)


# --- step 1: identifier and code ----------------------------------------------------------------


def code_locked_until(identifier: str, source: str) -> float | None:
    """Epoch time until which this identifier is refused from this source, or None."""
    return _until(_key("lock-code", normalise_identifier(identifier), source))


def record_code_failure(identifier: str, source: str) -> float | None:
    number = normalise_identifier(identifier)
    return _fail(_key("fail-code", number, source), _key("lock-code", number, source), source)


# --- step 2: birth date -------------------------------------------------------------------------


def birth_locked_until(identifier: str) -> float | None:
    return _until(_key("lock-birth", normalise_identifier(identifier)))


def record_birth_failure(identifier: str, source: str) -> float | None:
    number = normalise_identifier(identifier)
    return _fail(_key("fail-birth", number), _key("lock-birth", number), source)


def record_login(identifier: str, source: str) -> None:
    """A *completed* login (both steps): this identifier's counters go. Its locks stay, and the
    source's count stays: it is not this voter's alone."""
    number = normalise_identifier(identifier)
    cache.delete_many([_key("fail-code", number, source), _key("fail-birth", number)])


# --- the source ---------------------------------------------------------------------------------


def source_failures(source: str) -> int:
    return int(cache.get(_key("fail-src", source)) or 0)


# --- receipt e-mails ----------------------------------------------------------------------------


def mail_refusal(source: str, signature: str) -> str | None:
    """Count a receipt e-mail; the French reason when it must not be sent. Each receipt (there is
    one per vote) is sent a few times at most, which bounds the mail a voter can cause whatever
    their address; the per-source bound, generous for shared addresses, only stops a burst."""
    per_receipt = _setting("SCRUTIN_VOTER_MAIL_PER_RECEIPT", 3)
    per_source = _setting("SCRUTIN_VOTER_MAIL_PER_SOURCE", 60)
    if _count(_key("mail-receipt", signature[:256]), 24 * 3600) > per_receipt:
        return (
            f"Cet accusé de réception a déjà été envoyé {per_receipt} fois : imprimez-le ou "
            "enregistrez-le sur votre appareil."
        )
    if _count(_key("mail-src", source)) > per_source:
        return "Trop d'envois depuis votre connexion : réessayez dans quelques minutes."
    return None
