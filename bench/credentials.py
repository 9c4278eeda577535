"""Benchmark: generating, hashing and storing voters' credentials in PostgreSQL (issue 5).

Loads 2,000,000 electors of one CCI with Scrutin's real import (annex 7.1.3 file, COPY), then
times Scrutin's real generation for that CCI: CSPRNG codes, HMAC-SHA-256 with the pepper, COPY
of the hashes, and the sealed export of the plaintext codes with addresses for the dispatch step.
In the same run it times a raw baseline — HMAC-SHA-256 of as many codes plus a raw COPY of the
same (identifier, hash) rows into an equivalent table — and prints electors per second, the ratio
ours / baseline and the generation's peak memory for two sizes (flat = constant memory).
Finally it decrypts the export and checks every row against the stored hashes.

    .venv/bin/python bench/credentials.py            # 2,000,000 electors (target: < 5 minutes)
    .venv/bin/python bench/credentials.py --quick    # 100,000 electors

Uses ``SCRUTIN_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/scrutin_bench_cred``); that database and its
``_ballotbox`` twin are dropped and re-created.
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
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench_cred"
)
DBNAME = URL.rsplit("/", 1)[1]
URNS = [("C", ""), ("I", ""), ("S", "S1"), ("S", "S2")]
CCI = ("075", "CCI Paris Île-de-France", [("C", "Commerce", "", "", 6, 20), ("I", "Industrie", "", "", 4, 12),
                                          ("S", "Services", "S1", "moins de 10 salariés", 4, 15),
                                          ("S", "Services", "S2", "10 salariés et plus", 4, 15)])  # fmt: skip
TARGET_SECONDS = 300.0


def _admin(sql: str) -> None:
    with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _env(var_dir: Path) -> dict[str, str]:
    env = os.environ | {"SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox",
                        "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_VAR_DIR": str(var_dir),
                        "SCRUTIN_CREDENTIAL_PEPPER": "bench-" + "0" * 58}  # fmt: skip
    env.pop("SCRUTIN_TEST_DATABASE_URL", None)
    return env


def _child(env: dict[str, str], *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], env=env, check=True,
                         capture_output=True, text=True, cwd=REPO)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _django() -> None:
    import django

    django.setup()


def child_load(folder: str, count: str) -> None:
    """Structure and electors through the real imports."""
    _django()
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import Elector, ImportRun

    structure = Path(folder) / "structure.csv"
    generate.write_csv(structure, generate.STRUCTURE_HEADER, generate.structure_rows([CCI]))
    run = imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(structure))
    )
    assert run.status == "accepted", run.summary
    electors = Path(folder) / f"electeurs-{count}.csv"
    generate.write_csv(
        electors, generate.ELECTORS_HEADER, generate.elector_rows("075", URNS, int(count))
    )
    start = time.perf_counter()
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="e", path=str(electors))
    )
    assert run.status == "accepted", (run.blocking, list(run.issues.all()[:5]))
    electors.unlink()
    print(json.dumps({"seconds": time.perf_counter() - start, "rows": Elector.objects.count()}))


def child_generate(public_hex: str) -> None:
    """Scrutin's generation for the CCI, in a fresh process so its peak memory is its own."""
    import resource

    _django()
    from scrutin.platform.credentials import services

    recipient = services.register_recipient(bytes.fromhex(public_hex), "bench")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    run = services.generate(services.new_run("075", "new", recipient=recipient))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rows": run.count, "export": run.export_path,
                      "export_mb": Path(run.export_path).stat().st_size / 1e6,
                      "peak_kib": peak, "before_kib": before}))  # fmt: skip


def child_check(export_path: str, private_hex: str) -> None:
    """Decrypt the whole export and check every code against its stored hash."""
    _django()
    from django.conf import settings
    from django.db import connection

    from scrutin.platform.credentials import codes
    from scrutin.platform.credentials.export import read_rows

    pepper = codes.pepper_bytes(settings.SCRUTIN_CREDENTIAL_PEPPER)
    checked = 0
    batch: list[list[str]] = []

    def flush() -> None:
        nonlocal checked
        with connection.cursor() as cursor:
            cursor.execute("SELECT number, code_hash FROM credentials_credential WHERE number = ANY(%s)",
                           [[r[0] for r in batch]])  # fmt: skip
            stored = {n: bytes(h) for n, h in cursor.fetchall()}
        for number, code in ((r[0], r[1]) for r in batch):
            assert stored[number] == codes.code_hash(pepper, number, codes.normalise_code(code)), (
                number
            )
            checked += 1
        batch.clear()

    for row in read_rows(Path(export_path), bytes.fromhex(private_hex)):
        batch.append(row)
        if len(batch) >= 20_000:
            flush()
    if batch:
        flush()
    print(json.dumps({"checked": checked}))


def baseline(count: int) -> dict[str, float]:
    """Raw HMAC-SHA-256 of ``count`` codes, then a raw COPY of the (identifier, hash) rows."""
    import hmac

    from scrutin.platform.credentials import codes

    pepper = b"\x00" * 32
    numbers = [f"075{n:010d}" for n in range(1, count + 1)]
    plain = codes.random_codes(count)
    start = time.perf_counter()
    hashes = [
        hmac.digest(pepper, n.encode() + c.encode(), "sha256")
        for n, c in zip(numbers, plain, strict=True)
    ]
    hmac_seconds = time.perf_counter() - start
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_credentials")
        conn.execute(
            "CREATE TABLE bench_raw_credentials (number varchar(13) PRIMARY KEY, code_hash bytea NOT NULL)"
        )
        start = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy("COPY bench_raw_credentials FROM STDIN") as copy,
        ):
            for row in zip(numbers, hashes, strict=True):
                copy.write_row(row)
        copy_seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bench_raw_credentials")
    return {"hmac": hmac_seconds, "copy": copy_seconds}


def run_size(count: int, folder: Path, public: bytes) -> dict[str, float]:
    for name in (DBNAME, f"{DBNAME}_ballotbox"):
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _admin(f"CREATE DATABASE {name}")
    var_dir = folder / f"var-{count}"
    var_dir.mkdir()
    env = _env(var_dir)
    for db in ("default", "ballotbox"):
        subprocess.run([sys.executable, "-m", "scrutin.platform", "migrate", "-v0", "--database", db], env=env,
                       check=True, cwd=REPO)  # fmt: skip
    t = time.perf_counter()
    loaded = _child(env, "load", str(folder), str(count))
    assert loaded["rows"] == count, loaded
    print(f"  {count:,} electors loaded with the real import in {time.perf_counter() - t:.0f} s "
          f"(import {loaded['seconds']:.0f} s)", flush=True)  # fmt: skip
    result = _child(env, "generate", public.hex())
    assert result["rows"] == count, result
    result["env"] = env  # type: ignore[assignment]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="100,000 electors instead of 2,000,000"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"load": child_load, "generate": child_generate, "check": child_check}[args.child[0]](
            *args.child[1:]
        )
        return
    from scrutin.platform.credentials.export import generate_keypair

    private, public = generate_keypair()
    count = 100_000 if args.quick else 2_000_000
    small = max(count // 10, 10_000)
    with tempfile.TemporaryDirectory(prefix="scrutin-bench-cred-") as tmp:
        folder = Path(tmp)
        print(f"small run ({small:,} electors, for the memory comparison)", flush=True)
        little = run_size(small, folder, public)
        print(f"full run ({count:,} electors)", flush=True)
        big = run_size(count, folder, public)
        raw = baseline(count)
        checked = _child(big["env"], "check", big["export"], private.hex())  # type: ignore[arg-type]
    assert checked["checked"] == count, checked
    seconds = big["seconds"]
    raw_total = raw["hmac"] + raw["copy"]
    print(f"\ncredentials generated, hashed, stored and exported: {count:,} in {seconds:.1f} s "
          f"= {count / seconds:,.0f} electors/s")  # fmt: skip
    print(
        f"  encrypted export: {big['export_mb']:.0f} MB; every row decrypted and checked against its stored hash"
    )
    print(f"  raw baseline (HMAC-SHA-256 {raw['hmac']:.1f} s + raw COPY {raw['copy']:.1f} s) = {raw_total:.1f} s; "
          f"ratio ours / raw = {seconds / raw_total:.2f}")  # fmt: skip
    growth = (big["peak_kib"] - big["before_kib"]) / 1024
    small_growth = (little["peak_kib"] - little["before_kib"]) / 1024
    print(f"  memory growth during generation: {small_growth:.0f} MiB for {small:,} electors, "
          f"{growth:.0f} MiB for {count:,}")  # fmt: skip
    verdict = "OK" if seconds < TARGET_SECONDS else "TOO SLOW"
    print(f"  target: under {TARGET_SECONDS:.0f} s for the whole set -> {verdict}")


if __name__ == "__main__":
    main()
