"""What the readiness probe and the scrape-time metrics ask the shared components.

Each database is asked through a connection of its own, opened from a copy of its settings in a
worker thread, so that a database that does not answer costs the probe at most
``SCRUTIN_READINESS_TIMEOUT`` seconds and never leaves the request's connection broken.
"""

from __future__ import annotations

import concurrent.futures
import copy
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend

log = logging.getLogger(__name__)
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="probe")


def timeout() -> float:
    return float(getattr(settings, "SCRUTIN_READINESS_TIMEOUT", 2.0))


def _query(alias: str, sql: str) -> list[tuple[Any, ...]]:
    settings_dict = copy.deepcopy(connections[alias].settings_dict)
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        options = settings_dict.setdefault("OPTIONS", {})
        options["connect_timeout"] = max(1, int(timeout()))
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        wrapper.close()


def run_query(alias: str, sql: str) -> list[tuple[Any, ...]]:
    """``sql`` on ``alias`` within the timeout (TimeoutError, or the database's own error)."""
    return _POOL.submit(_query, alias, sql).result(timeout=timeout())


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""


def check_database(alias: str) -> Check:
    try:
        run_query(alias, "SELECT 1")
    except concurrent.futures.TimeoutError:
        return Check(f"database-{alias}", False, f"base « {alias} » : pas de réponse à temps")
    except Exception as exc:  # any driver error means "not ready"
        log.warning("readiness: database %s: %s", alias, exc)
        return Check(f"database-{alias}", False, f"base « {alias} » injoignable")
    return Check(f"database-{alias}", True)


def _redis_client() -> Any:
    import redis

    url = str(getattr(settings, "REDIS_URL", "") or "")
    if not url:
        return None
    return redis.Redis.from_url(url, socket_timeout=timeout(), socket_connect_timeout=timeout())


def check_redis() -> Check:
    client = _redis_client()
    if client is None:
        return Check("redis", True)  # embedded demo: no Redis configured, nothing to wait for
    try:
        client.ping()
    except Exception as exc:
        log.warning("readiness: redis: %s", exc)
        return Check("redis", False, "Redis injoignable")
    finally:
        client.close()
    return Check("redis", True)


def check_signing_key() -> Check:
    from ..keys import platform_signing_key

    try:
        platform_signing_key()
    except Exception as exc:
        log.warning("readiness: signing key: %s", exc)
        return Check("signing-key", False, "clé de signature de la plate-forme illisible")
    return Check("signing-key", True)


def readiness() -> list[Check]:
    checks = [check_database(alias) for alias in settings.DATABASES]
    return [*checks, check_redis(), check_signing_key()]


def queue_depth() -> dict[str, int]:
    """LLEN of the Celery queue on the Redis broker (empty without Redis or if it is down)."""
    from ..celery import app

    client = _redis_client()
    if client is None:
        return {}
    queue = str(app.conf.task_default_queue or "celery")
    try:
        return {queue: int(client.llen(queue))}
    except Exception:  # the gauge is absent; readiness reports Redis down
        return {}
    finally:
        client.close()


@dataclass(frozen=True)
class Replication:
    alias: str
    up: bool
    role: str = ""
    lag_seconds: float | None = None
    # the backup host's slot (deploy/: pg_receivewal, docs/ops.md "Backups"), on a primary that
    # has it: is the stream connected, and how much WAL does the slot hold back here
    backup_active: bool | None = None
    backup_retained_bytes: float | None = None


BACKUP_SLOT = "scrutin_backup"
LAG_SQL = f"""
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery()
            THEN COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
            ELSE COALESCE((SELECT MAX(EXTRACT(EPOCH FROM replay_lag)) FROM pg_stat_replication), 0)
       END,
       (SELECT active FROM pg_replication_slots WHERE slot_name = '{BACKUP_SLOT}'),
       CASE WHEN NOT pg_is_in_recovery() THEN
            (SELECT COALESCE(pg_current_wal_lsn() - restart_lsn, 0)::float8
             FROM pg_replication_slots WHERE slot_name = '{BACKUP_SLOT}')
       END
"""  # noqa: S608 - a constant, no outside input


def replication() -> list[Replication]:
    """Each database's role and lag. PostgreSQL: a standby reports the age of the last replayed
    transaction, a primary the largest ``replay_lag`` of its standbys (0 without any); SQLite
    has no replication (role ``single``, lag 0)."""
    states = []
    for alias in settings.DATABASES:
        try:
            if connections[alias].vendor != "postgresql":
                run_query(alias, "SELECT 1")
                states.append(Replication(alias, True, "single", 0.0))
                continue
            standby, lag, active, retained = run_query(alias, LAG_SQL)[0]
        except Exception:
            states.append(Replication(alias, False))
            continue
        slot = not standby and active is not None  # the backup slot, on a primary only
        states.append(Replication(
            alias, True, "standby" if standby else "primary", float(lag),
            backup_active=bool(active) if slot else None,
            backup_retained_bytes=float(retained or 0) if slot else None,
        ))  # fmt: skip
    return states
