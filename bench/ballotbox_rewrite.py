"""Benchmark: the rewrite of the ballot box in key order after the close (issue 12 item 5,
``ballotbox.order.rewrite_in_key_order``), on PostgreSQL.

Fills a fresh ballot-box database with N ballots of the reference size (one real encrypted
ballot of the reference election — CCIR 12 candidates / 6 seats, CCIT 30 / 15 — stored under N
distinct trackers, with its 44 alphas each made distinct), then times the rewrite and, as the
same-run baseline, one full read of the same tables (``SELECT`` of every content and alpha).
Prints ballots per second and the ratio rewrite / full read: the time the ballot box stays
locked after the last urn closes.

    .venv/bin/python bench/ballotbox_rewrite.py            # 20,000 ballots
    .venv/bin/python bench/ballotbox_rewrite.py --quick    # 2,000 ballots
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
URL = os.environ.get(
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench_rewrite"
)


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup() -> None:
    name = URL.rsplit("/", 1)[1]
    for db in (name, f"{name}_ballotbox"):
        _admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        _admin(f"CREATE DATABASE {db}")
    os.environ.update({
        "SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox",
        "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings",
        "SCRUTIN_VAR_DIR": str(REPO / "var" / "bench-rewrite"),
    })  # fmt: skip
    os.environ.pop("SCRUTIN_TEST_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", database="ballotbox", verbosity=0)


def reference_ballot() -> dict[str, object]:
    from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
    from scrutin.crypto.group import get_group
    from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
    from scrutin.record.simulate import REFERENCE_QUESTIONS, make_questions

    g = get_group("ristretto255")
    key = g.encode(g.base_mul(12345)).hex()
    params = ElectionParameters(ElectionId("bench"), "bench", "ristretto255", key,
                                Fingerprint("00" * 32), "00" * 32,
                                make_questions(REFERENCE_QUESTIONS))  # fmt: skip
    choices = [[1] * q.max + [0] * (q.size - q.max) for q in params.questions]
    return ballot_to_json(g, encrypt_ballot(params, choices))


def fill(count: int) -> int:
    from scrutin.platform.ballotbox.models import Alpha, Ballot
    from scrutin.platform.voting.cast import alphas

    ballot = reference_ballot()
    base = alphas(ballot)
    for start in range(0, count, 500):
        ballots, rows = [], []
        for i in range(start, min(count, start + 500)):
            tracker = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
            ballots.append(Ballot(fingerprint=tracker, urn_code="BENCH", content=ballot,
                                  ciphertexts=hashlib.sha256(tracker.encode()).hexdigest()))  # fmt: skip
            rows += [Alpha(alpha=f"{a[:-16]}{i:016x}", fingerprint=tracker) for a in base]
        Ballot.objects.using("ballotbox").bulk_create(ballots)
        Alpha.objects.using("ballotbox").bulk_create(rows)
    return len(json.dumps(ballot))


def full_read() -> float:
    from django.db import connections

    started = time.perf_counter()
    with connections["ballotbox"].cursor() as cursor:
        cursor.execute("SELECT fingerprint, content::text FROM ballotbox_ballot")
        while cursor.fetchmany(2000):
            pass
        cursor.execute("SELECT alpha, fingerprint FROM ballotbox_alpha")
        while cursor.fetchmany(20000):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 2_000 if args.quick else args.ballots
    setup()
    size = fill(count)
    from scrutin.platform.ballotbox.order import rewrite_in_key_order

    baseline = full_read()
    started = time.perf_counter()
    assert rewrite_in_key_order() == count
    rewrite = time.perf_counter() - started
    print(f"{count} ballots of {size} bytes (JSON), 44 alphas each")
    print(f"full read of the tables: {baseline:.2f} s; rewrite in key order: {rewrite:.2f} s "
          f"({count / rewrite:,.0f} ballots/s); ratio rewrite / read: {rewrite / baseline:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
