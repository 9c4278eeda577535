"""Benchmark: the journal CSV export streams (issue 19.3) — memory flat whatever its length.

Fills the journal with N entries (written with ``COPY``; the export does not re-check the chain),
then downloads ``/gestion/journal/export.csv`` as a national reader with Django's test client,
in the same process, consuming the streamed body block by block. For a small journal (the
same-run baseline) and the large one it prints the bytes sent, the Python heap peak measured by
``tracemalloc`` while the body streams, and the ratio of the two peaks: streamed, the ratio stays
near 1 while the size grows N / baseline times (built in memory, as before, it grew with N).

    .venv/bin/python bench/exports.py                     # 200,000 entries against 10,000
    .venv/bin/python bench/exports.py --entries 1000000   # the review's 1 M entries

``SCRUTIN_BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/scrutin_bench_exports``)
names the database (and its ``_ballotbox`` twin), dropped and created again at each run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
URL = os.environ.get(
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench_exports"
)
DBNAME = URL.rsplit("/", 1)[1]


def _admin(sql: str) -> None:
    with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _setup(var_dir: Path) -> None:
    for name in (DBNAME, DBNAME + "_ballotbox"):
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
    os.environ.update({"SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox",
                       "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_VAR_DIR": str(var_dir),
                       "SCRUTIN_HOSTS": "testserver", "SCRUTIN_CREDENTIAL_PEPPER": "bench-" + "0" * 58})  # fmt: skip
    os.environ.pop("SCRUTIN_TEST_DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("migrate", database="ballotbox", verbosity=0)


def fill_journal(first: int, count: int) -> None:
    """Entries ``first`` … ``first + count - 1`` of a plausible journal, written with COPY."""
    now = datetime.now(UTC).isoformat()
    data = json.dumps({"urn": "011-C", "file_sha256": "ab" * 32, "rows": 12345})
    with (
        psycopg.connect(URL) as conn,
        conn.cursor() as cur,
        cur.copy(
            "COPY audit_journalentry (sequence, recorded_at, event, event_type, actor, actor_role,"
            " actor_perimeter, cci_code, urn_code, data, previous_hash, hash) FROM STDIN"
        ) as copy,
    ):
        for n in range(first, first + count):
            copy.write_row((n, now, "electors:file:import", "administrative",
                            "gestionnaire@cci.test", "COE", "011", "011", "011-C", data,
                            f"{n - 1:064x}", f"{n:064x}"))  # fmt: skip


def export_once(client: Any) -> tuple[int, int]:
    """(bytes sent, heap peak while streaming) of one download of the whole journal."""
    tracemalloc.start()
    response = client.get("/gestion/journal/export.csv")
    size = 0
    for block in response.streaming_content:
        size += len(block)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    response.close()
    return size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        _setup(Path(var))
        from django.test import Client
        from tests.integration.accounts.world import make_user

        user = make_user("ADMIN", None, national=True, name="national@cci.test")
        client = Client()
        client.force_login(user)
        from scrutin.platform.audit.models import JournalEntry

        start = (
            JournalEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
            or 0
        ) + 1
        fill_journal(start, args.baseline)
        export_once(client)  # warm-up: imports, URL resolution, first queries
        small_size, small_peak = export_once(client)
        fill_journal(start + args.baseline, args.entries - args.baseline)
        big_size, big_peak = export_once(client)
    print(f"baseline: {args.baseline:>9,} entries, {small_size / 1e6:8.1f} MB sent, "
          f"heap peak {small_peak / 1e6:6.1f} MB")  # fmt: skip
    print(f"large:    {args.entries:>9,} entries, {big_size / 1e6:8.1f} MB sent, "
          f"heap peak {big_peak / 1e6:6.1f} MB")  # fmt: skip
    print(f"size ratio {big_size / small_size:.1f}, heap peak ratio {big_peak / small_peak:.2f}")


if __name__ == "__main__":
    main()
