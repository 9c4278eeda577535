"""Benchmark: ``scrutin data return`` streams (CCTP 4.2.3) — memory flat whatever the list.

Imports a CCI's electors list (two urns) and marks half of them as having voted (émargements
written with ``COPY``), then builds the CCI's restitution archive, for a small list (the same-run
baseline) and a large one. It prints the archive size, the Python heap peak measured by
``tracemalloc`` during the build, the time of a build (measured apart), and the ratios: streamed through spool files, the heap
peak ratio stays near 1 while the list grows large / baseline times.

    .venv/bin/python bench/restitution.py                      # 300,000 electors against 10,000
    .venv/bin/python bench/restitution.py --quick              # 50,000 against 5,000

``SCRUTIN_BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/scrutin_bench_restitution``)
names the database (and its ``_ballotbox`` twin), dropped and created again at each run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
URL = os.environ.get(
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench_restitution"
)
DBNAME = URL.rsplit("/", 1)[1]
AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 6)])


def _admin(sql: str) -> None:
    with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _setup(var_dir: Path) -> None:
    for name in (DBNAME, DBNAME + "_ballotbox"):
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
    os.environ.update({"SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox",
                       "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_VAR_DIR": str(var_dir),
                       "SCRUTIN_CREDENTIAL_PEPPER": "bench-" + "0" * 58})  # fmt: skip
    os.environ.pop("SCRUTIN_TEST_DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("migrate", database="ballotbox", verbosity=0)


def load(var_dir: Path, electors: int) -> None:
    """The structure, ``electors`` electors of CCI 011, and every second one marked as voted."""
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import Elector, ImportRun, Urn

    path = var_dir / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    path = var_dir / "electeurs.csv"
    rows = generate.elector_rows("011", [("C", ""), ("I", "")], electors)
    generate.write_csv(path, generate.ELECTORS_HEADER, rows)
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="e", path=str(path))
    )
    assert run.status == "accepted", run.summary
    now = datetime.now(UTC).isoformat()
    urns = dict(Urn.objects.values_list("id", "id"))
    with psycopg.connect(URL) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM voting_emargement")
        with cur.copy(
            "COPY voting_emargement (elector_number, urn_id, voted_at) FROM STDIN"
        ) as copy:
            for number, urn_id in Elector.objects.values_list("number", "urn_id").iterator(5000):
                if int(number[-1]) % 2 == 0:
                    copy.write_row((number, urns[urn_id], now))


def build_once(out: Path) -> tuple[int, int, float]:
    """(archive bytes, heap peak, seconds) of CCI 011's archive: timed in one build, the heap
    measured in a second one (``tracemalloc`` slows the code it watches)."""
    from scrutin.platform.personaldata.restitution import build

    started = time.perf_counter()
    build("011", out / "timed")
    seconds = time.perf_counter() - started
    tracemalloc.start()
    done = build("011", out / "traced")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return done.path.stat().st_size, peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--electors", type=int, default=300_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="50,000 against 5,000")
    args = parser.parse_args()
    if args.quick:
        args.electors, args.baseline = 50_000, 5_000
    with tempfile.TemporaryDirectory() as var:
        _setup(Path(var))
        load(Path(var), args.baseline)
        build_once(Path(var) / "warm")  # imports, first queries
        small = build_once(Path(var) / "small")
        load(Path(var), args.electors)
        big = build_once(Path(var) / "big")
    for label, count, (size, peak, secs) in (("baseline", args.baseline, small),
                                             ("large", args.electors, big)):  # fmt: skip
        print(f"{label + ':':9} {count:>9,} electors, archive {size / 1e6:7.1f} MB, "
              f"heap peak {peak / 1e6:6.1f} MB, {secs:6.1f} s")  # fmt: skip
    print(f"size ratio {big[0] / small[0]:.1f}, heap peak ratio {big[1] / small[1]:.2f}, "
          f"time ratio {big[2] / small[2]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
