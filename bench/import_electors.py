"""Benchmark: importing a CCI electors file (annex 7.1.3) into PostgreSQL (issue 2).

Generates a realistic file (every column filled as the annex describes, ~10 % e-mails and
~10 % mobile numbers), imports it with Scrutin's real import (checks, truncations, COPY, control
fingerprints), then measures a raw PostgreSQL ``COPY`` of the same file into an equivalent table
(same columns, primary key and index) in the same run. Prints electors per second, the ratio
ours / raw COPY (target ≤ 2, issue 15), and the import's peak memory for two file sizes (target:
flat). The raw table has the primary key and one index; the electors table now has eight indexes
(keyset pages, support searches) and a foreign key checked at commit, so the bench also times a raw
COPY of the stored rows into a copy of that table: PostgreSQL's own share of our import, a floor
no Python change can go under.

    .venv/bin/python bench/import_electors.py            # 2,000,000 electors
    .venv/bin/python bench/import_electors.py --quick    # 100,000 electors

Uses ``SCRUTIN_BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/scrutin_bench``);
the database is dropped and re-created.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

URL = os.environ.get(
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench"
)
TARGET = 2.0  # ours / raw COPY (issue 15)
URNS = [("C", ""), ("I", ""), ("S", "S1"), ("S", "S2")]
CCI = ("075", "CCI Paris Île-de-France", [("C", "Commerce", "", "", 6, 20), ("I", "Industrie", "", "", 4, 12),
                                          ("S", "Services", "S1", "moins de 10 salariés", 4, 15),
                                          ("S", "Services", "S2", "10 salariés et plus", 4, 15)])  # fmt: skip


def _admin(sql: str) -> None:
    with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def make_files(folder: Path, count: int) -> tuple[Path, Path]:
    from scrutin.platform.electoral.annex7 import generate

    structure = folder / "structure.csv"
    generate.write_csv(structure, generate.STRUCTURE_HEADER, generate.structure_rows([CCI]))
    electors = folder / f"electeurs-{count}.csv"
    generate.write_csv(
        electors, generate.ELECTORS_HEADER, generate.elector_rows("075", URNS, count)
    )
    return structure, electors


def child_import(structure: str, electors: str) -> None:
    """Runs in a fresh process so its peak memory is the import's alone."""
    import resource

    os.environ["SCRUTIN_TEST_DATABASE_URL"] = ""
    os.environ["SCRUTIN_DATABASE_URL"] = URL
    os.environ["SCRUTIN_BALLOTBOX_DATABASE_URL"] = URL + "_ballotbox"
    os.environ["DJANGO_SETTINGS_MODULE"] = "scrutin.platform.settings"
    import django

    django.setup()
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.models import Elector, ImportRun

    run = imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=structure)
    )
    assert run.status == "accepted", run.summary
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="e", path=electors)
    )
    seconds = time.perf_counter() - start
    assert run.status == "accepted", (run.blocking, list(run.issues.all()[:5]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rows": Elector.objects.count(), "peak_kib": peak,
                      "before_kib": baseline_rss}))  # fmt: skip


def ours(structure: Path, electors: Path) -> dict[str, float]:
    name = URL.rsplit("/", 1)[1]
    for db in (name, f"{name}_ballotbox"):
        _admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        _admin(f"CREATE DATABASE {db}")
    env = os.environ | {"SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox",
                        "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_TEST_DATABASE_URL": ""}  # fmt: skip
    for db in ("default", "ballotbox"):
        subprocess.run([sys.executable, "-m", "scrutin.platform", "migrate", "-v0", "--database", db], env=env,
                       check=True, cwd=REPO)  # fmt: skip
    out = subprocess.run([sys.executable, __file__, "--child", str(structure), str(electors)], env=env,
                         check=True, capture_output=True, text=True, cwd=REPO)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def raw_copy(electors: Path) -> float:
    """COPY of the same file into a table with the same 37 columns, primary key and index."""
    from scrutin.platform.electoral.annex7.electors import FIELDS, WIDTHS

    columns = ", ".join(
        f"{f} varchar({w}) NOT NULL DEFAULT ''" for f, w in zip(FIELDS, WIDTHS, strict=True)
    )
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_electors")
        conn.execute(
            f"CREATE TABLE bench_raw_electors ({columns}, PRIMARY KEY (cci_code, local_number))"
        )
        conn.execute("CREATE INDEX bench_raw_cci ON bench_raw_electors (cci_code)")
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            sql = ("COPY bench_raw_electors FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';', "
                   f"FORCE_NOT_NULL ({', '.join(FIELDS)}))")  # fmt: skip
            with cur.copy(sql) as copy, electors.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        return time.perf_counter() - start


def database_share(folder: Path) -> float:
    """COPY of the rows the import stored into a copy of the electors table with all its indexes
    and its deferred foreign key, committed: what PostgreSQL alone spends on our import."""
    dump = folder / "stored.copy"
    with psycopg.connect(URL, autocommit=True) as conn:
        with conn.cursor().copy("COPY electoral_elector TO STDOUT") as copy, dump.open("wb") as fh:
            for data in copy:
                fh.write(data)
        conn.execute("DROP TABLE IF EXISTS bench_db_share")
        conn.execute("CREATE TABLE bench_db_share (LIKE electoral_elector INCLUDING ALL)")
        conn.execute("ALTER TABLE bench_db_share ADD FOREIGN KEY (urn_id) REFERENCES electoral_urn (id) "
                     "DEFERRABLE INITIALLY DEFERRED")  # fmt: skip
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            sql = "COPY bench_db_share FROM STDIN"
            with cur.copy(sql) as copy, dump.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bench_db_share")
    dump.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="100,000 electors instead of 2,000,000"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_import(*args.child)
        return
    count = 100_000 if args.quick else 2_000_000
    small = max(count // 10, 10_000)
    with tempfile.TemporaryDirectory(prefix="scrutin-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        structure, big = make_files(folder, count)
        _, little = make_files(folder, small)
        print(
            f"file: {count:,} electors, {big.stat().st_size / 1e6:.0f} MB, generated in {time.perf_counter() - t:.0f} s"
        )
        small_run = ours(structure, little)
        run = ours(structure, big)
        assert run["rows"] == count
        raw = raw_copy(big)
        share = database_share(folder)
    rate = count / run["seconds"]
    ratio = run["seconds"] / raw
    print(
        f"scrutin import : {run['seconds']:.1f} s, {rate:,.0f} electors/s (checks, truncations, COPY, fingerprints)"
    )
    print(
        f"raw COPY       : {raw:.1f} s, {count / raw:,.0f} rows/s (same file, equivalent table, same run)"
    )
    print(f"ratio scrutin / raw COPY = {ratio:.2f} (target <= {TARGET}: "
          f"{'met' if ratio <= TARGET else 'NOT met'})")  # fmt: skip
    print(f"PostgreSQL's own share: {share:.1f} s = {share / raw:.2f} x raw COPY (COPY of the stored "
          "rows into a table with the electors table's indexes and deferred foreign key, committed)")  # fmt: skip
    grow_small = (small_run["peak_kib"] - small_run["before_kib"]) / 1024
    grow_big = (run["peak_kib"] - run["before_kib"]) / 1024
    print(f"peak memory of the import: {run['peak_kib'] / 1024:.0f} MiB for {count:,} electors "
          f"(+{grow_big:.0f} MiB during the import), {small_run['peak_kib'] / 1024:.0f} MiB for {small:,} "
          f"(+{grow_small:.0f} MiB); file size ratio {count / small:.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
