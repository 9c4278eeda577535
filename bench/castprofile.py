"""Where one cast's CPU goes (issue 15): the voter path of ``bench/cast.py`` run in-process
under ``cProfile``, each function's own time put in one bucket by where its code lives.

Self time, not cumulative, so nothing is counted twice; a C function called from Python
(libsodium through its binding, the PostgreSQL driver's wait) counts in its caller's bucket.
``database`` includes the time spent waiting for the server's answers."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable

# (bucket, substrings of the file or built-in name), first match wins
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("proof check (crypto, libsodium)", ("scrutin/crypto/group", "scrutin/crypto/proofs",
                                         "scrutin/crypto/ballot", "pysodium", "nacl/", "_sodium")),
    ("canonical JSON, digests", ("scrutin/crypto/encoding", "scrutin/record/strictjson", "rfc8785",
                                 "_hashlib", "hashlib", "json/", "_json")),
    ("database: driver and server", ("psycopg",)),
    ("database: Django ORM", ("django/db/",)),
    ("templates", ("django/template/", "templatetags")),
    ("sessions, signing", ("django/contrib/sessions", "django/core/signing", "scrutin/platform/sessionstore",
                           "scrutin/platform/voting/session")),
    ("the cast (four transactions, seals)", ("scrutin/platform/voting/cast", "scrutin/platform/sealing")),
    ("Redis (throttling, rate limits)", ("redis/",)),
    ("HTTP, middleware, views, the rest", ("",)),
]  # fmt: skip


def bucket_of(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    for label, needles in BUCKETS:
        if any(n in where for n in needles):
            return label
    return BUCKETS[-1][0]


def breakdown(
    run: Callable[[], None],
) -> tuple[float, dict[str, float], list[tuple[float, str]]]:
    """Runs ``run`` under the profiler; returns the total self time, the seconds per bucket and
    the eight largest items of the last bucket (seconds, where)."""
    profile = cProfile.Profile()
    profile.runcall(run)
    stats = pstats.Stats(profile)
    buckets = {label: 0.0 for label, _ in BUCKETS}
    rest: list[tuple[float, str]] = []
    for (filename, line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        label = bucket_of(filename, name)
        buckets[label] += row[2]  # tottime
        if label == BUCKETS[-1][0]:
            rest.append((row[2], f"{filename.rsplit('site-packages/', 1)[-1]}:{line}({name})"))
    return sum(buckets.values()), buckets, sorted(rest, reverse=True)[:8]


def report(
    voters: int, total: float, buckets: dict[str, float], rest: list[tuple[float, str]]
) -> str:
    lines = [f"where one voter's path goes (in-process, profiled, {voters} voters): "
             f"{total / voters * 1000:.0f} ms per voter"]  # fmt: skip
    for label, seconds in sorted(buckets.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {label:<40} {seconds / voters * 1000:6.1f} ms  {seconds / total:5.1%}")
    lines.append("  largest items of the last bucket:")
    for seconds, where in rest:
        lines.append(f"    {seconds / voters * 1000:6.1f} ms  {where}")
    return "\n".join(lines)
