"""Benchmark: e-mails handed to a local SMTP sink per second by the mailing engine (issue 14,
CCTP 5.2.3) for a campaign over 200,000 electors, against raw ``smtplib`` in the same run.

Loads N electors of one CCI through the real imports (annex-7 generator), every one with an
e-mail address, then runs two child processes, one after the other, against the same local
aiosmtpd sink (in this process, counting only):

* **ours**: the test campaign (CCTP 5.2.3.1) exactly as production starts it —
  ``services.start_campaign`` queues one row per elector, its commit dispatches the Celery task
  ``mailing.run_campaign``, run inline in the child as one worker would run it (the engine's
  pages of 500 rows, one transaction per elector, the composer's two templates, Django's SMTP
  connection kept open, VERP envelope sender, rows marked ``sent``). ``--worker`` runs it in a
  real Celery worker instead (needs PostgreSQL and ``SCRUTIN_REDIS_URL``);
* the **baseline**: raw ``smtplib`` sending N messages of the same size (one of ours, captured
  by the sink, with its recipient changed) on one persistent connection — the engine's policy.

Prints e-mails/s of both and the ratio ours / baseline, and the RSS of the sending process when
the sink has received 10 % and 100 % of the campaign (memory must stay flat), and its peak.

    .venv/bin/python bench/mailing.py                 # 200,000 electors
    .venv/bin/python bench/mailing.py --quick         # 3,000 electors
    .venv/bin/python bench/mailing.py --electors 50000 --database-url postgresql://…/scrutin_x

The database is the embedded SQLite (a temporary folder) unless ``--database-url`` (default
``SCRUTIN_BENCH_DATABASE_URL``) or ``SCRUTIN_TEST_DATABASE_URL`` names a PostgreSQL server: with
``--database-url`` that database (and its ``_ballotbox`` twin) is dropped and re-created; with
``SCRUTIN_TEST_DATABASE_URL`` a database named ``<name>_bench_mailing`` on that server is.
``SCRUTIN_BENCH_REDIS_URL`` (else ``SCRUTIN_REDIS_URL``), when set, is used as in production (campaign lock and progress in Redis, the broker of ``--worker``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

CCI = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5)])
FULL, QUICK = 200_000, 3_000


def address(n: int) -> str:
    return f"electeur{n}@exemple-011.fr"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    """Resident memory of a process (``VmHWM``: its peak since it started this program)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


# -- the sink ---------------------------------------------------------------------------------
class Sink:
    """Counts what it accepts, keeps one message, and reads the RSS of the sending process each
    time another tenth of the expected messages has arrived."""

    def __init__(self) -> None:
        self.count = self.bytes = 0
        self.sample: tuple[str, bytes] | None = None
        self.watch_pid = 0
        self.expected = 1
        self.rss: dict[int, float] = {}
        self.lock = threading.Lock()

    def watch(self, pid: int, expected: int) -> None:
        with self.lock:
            self.count = self.bytes = 0
            self.watch_pid, self.expected, self.rss = pid, expected, {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content)
            if self.sample is None:
                self.sample = (envelope.mail_from, bytes(envelope.content))
            tenth = 10 * self.count // self.expected
            if self.watch_pid and tenth >= 1 and tenth not in self.rss:  # first of each tenth
                self.rss[tenth] = rss_mb(self.watch_pid)
        return "250 OK"


def start_sink(sink: Sink) -> Any:
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


# -- the database -----------------------------------------------------------------------------
def database_url(option: str | None, folder: Path) -> tuple[str, str]:
    """The electors and ballot-box database URLs (re-created empty)."""
    test_url = os.environ.pop("SCRUTIN_TEST_DATABASE_URL", "")
    if not option and not test_url:
        return (
            f"sqlite:///{folder / 'scrutin.sqlite3'}",
            f"sqlite:///{folder / 'ballotbox.sqlite3'}",
        )
    url = option or f"{test_url.rstrip('/')}_bench_mailing"
    import psycopg

    name = url.rsplit("/", 1)[1]
    for db in (name, name + "_ballotbox"):
        with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}"')
    return url, url + "_ballotbox"


def load_electors(folder: Path, count: int) -> None:
    """The CCI's structure and ``count`` electors, each with an address, by the real imports."""
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    call_command("migrate", database="ballotbox", verbosity=0)
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import Elector, ImportRun

    structure = folder / "structure.csv"
    generate.write_csv(structure, generate.STRUCTURE_HEADER, generate.structure_rows([CCI]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(structure))
    )

    def rows() -> Any:
        for n, row in enumerate(generate.elector_rows("011", [("C", ""), ("I", "")], count), 1):
            row[35] = address(n)
            yield row

    path = folder / "electeurs.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER, rows())
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="e", path=str(path))
    )
    assert run.status == "accepted", list(run.issues.all()[:3])
    assert Elector.objects.exclude(email="").count() == count
    path.unlink()
    connections.close_all()


# -- the two senders (child processes) --------------------------------------------------------
def child_engine() -> dict[str, Any]:
    """The test campaign as production runs it, in this process (see the module docstring)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from scrutin.platform.mailing import services

    settings.SCRUTIN_IMPORTS_INLINE = True  # the task runs here, as in one Celery worker
    before = rss_mb()
    start = time.perf_counter()
    with transaction.atomic():  # its commit dispatches the task: queueing and sending apart
        campaign = services.start_campaign("test", CCI[0], None, user=None)
        queued = time.perf_counter()
        cpu_queued = cpu_seconds()
    seconds = time.perf_counter() - queued
    cpu = cpu_seconds() - cpu_queued
    campaign.refresh_from_db()
    assert campaign.status == "done", campaign.message
    return {"queue_seconds": queued - start, "seconds": seconds, "cpu": cpu, "sent": campaign.sent,
            "refused": campaign.refused, "failed": campaign.failed, "rss_before_mb": before,
            "peak_mb": rss_mb(field="VmHWM")}  # fmt: skip


def child_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """Raw smtplib: the captured message, its recipient changed, on one persistent connection."""
    template: bytes = spec["template"].encode("latin-1")
    sender, old = spec["sender"], spec["recipient"].encode()
    before = rss_mb()
    start = time.perf_counter()
    cpu = cpu_seconds()
    smtp = smtplib.SMTP(spec["host"], spec["port"])
    for n in range(1, spec["count"] + 1):
        to = address(n)
        smtp.sendmail(sender, [to], template.replace(old, to.encode()))
    smtp.quit()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": cpu_seconds() - cpu, "sent": spec["count"], "rss_before_mb": before,
            "peak_mb": rss_mb(field="VmHWM")}  # fmt: skip


def run_child(sink: Sink, expected: int, *args: str) -> dict[str, Any]:
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE,
                            text=True, cwd=REPO)  # fmt: skip
    sink.watch(proc.pid, expected)
    sink_cpu = cpu_seconds()
    out, _ = proc.communicate()
    sink_cpu = cpu_seconds() - sink_cpu
    if proc.returncode:
        raise SystemExit(f"the {args[0]} child failed ({proc.returncode})")
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    figures |= {
        "received": sink.count,
        "bytes": sink.bytes,
        "rss": dict(sink.rss),
        "sink_cpu": sink_cpu,
    }
    return figures


def run_worker(sink: Sink, count: int, folder: Path) -> dict[str, Any]:
    """``--worker``: the campaign queued here, sent by a real Celery worker (solo pool)."""
    from scrutin.platform.mailing import services
    from scrutin.platform.mailing.models import Campaign

    celery = [sys.executable, "-m", "celery", "-A", "scrutin.platform"]
    subprocess.run([*celery, "purge", "-f"], check=True, capture_output=True, cwd=REPO)
    log = folder / "worker.log"
    with log.open("w") as fh:
        worker = subprocess.Popen([*celery, "worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO",
                                   "--without-heartbeat", "--without-mingle", "--without-gossip"],
                                  cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        while " ready." not in log.read_text():  # started: its imports are not measured
            if worker.poll() is not None:
                raise SystemExit(f"the Celery worker stopped:\n{log.read_text()}")
            time.sleep(0.2)
        sink.watch(worker.pid, count)
        before, sink_cpu, cpu = rss_mb(worker.pid), cpu_seconds(), process_cpu(worker.pid)
        start = time.perf_counter()
        campaign = services.start_campaign("test", CCI[0], None, user=None)
        queued = time.perf_counter()
        while not Campaign.objects.get(pk=campaign.pk).done:
            time.sleep(0.2)
        seconds = time.perf_counter() - queued
        cpu, peak = process_cpu(worker.pid) - cpu, rss_mb(worker.pid, "VmHWM")
        campaign.refresh_from_db()
        assert campaign.status == "done", campaign.message
        return {"queue_seconds": queued - start, "seconds": seconds, "cpu": cpu,
                "sent": campaign.sent, "refused": campaign.refused, "failed": campaign.failed,
                "rss_before_mb": before, "peak_mb": peak, "received": sink.count,
                "bytes": sink.bytes, "rss": dict(sink.rss), "sink_cpu": cpu_seconds() - sink_cpu}  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(timeout=60)


# -- the report -------------------------------------------------------------------------------
def show(label: str, fig: dict[str, Any]) -> float:
    n = max(fig["received"], 1)
    rate = float(fig["received"]) / fig["seconds"]
    rss = fig["rss"]
    print(f"{label}: {fig['received']:,} e-mails in {fig['seconds']:.1f} s = {rate:,.0f} e-mails/s, "
          f"{fig['bytes'] / n:,.0f} bytes each; CPU per e-mail {1000 * fig['cpu'] / n:.2f} ms "
          f"(+ sink {1000 * fig['sink_cpu'] / n:.2f} ms); RSS {fig['rss_before_mb']:.0f} MB before, "
          f"{rss.get(1, 0.0):.0f} MB at 10 %, {rss.get(10, 0.0):.0f} MB at 100 %, "
          f"peak {fig['peak_mb']:.0f} MB")  # fmt: skip
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} electors")
    parser.add_argument("--electors", type=int, default=None, help=f"default {FULL:,}")
    parser.add_argument("--database-url", default=os.environ.get("SCRUTIN_BENCH_DATABASE_URL"),
                        help="PostgreSQL (default: SCRUTIN_BENCH_DATABASE_URL, else SQLite)")  # fmt: skip
    parser.add_argument("--worker", action="store_true", help="send from a real Celery worker")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(Path(args.child[1]).read_text()) if len(args.child) > 1 else {}
        fig = child_engine() if args.child[0] == "engine" else child_baseline(spec)
        print(json.dumps(fig))
        return
    count = args.electors or (QUICK if args.quick else FULL)
    sink = Sink()
    controller = start_sink(sink)
    folder = Path(tempfile.mkdtemp(prefix="bench-mailing-"))
    try:
        measure(args, count, folder, sink, controller.port)
    finally:
        controller.stop()
        shutil.rmtree(folder, ignore_errors=True)


def measure(args: argparse.Namespace, count: int, folder: Path, sink: Sink, port: int) -> None:
    default_url, ballotbox_url = database_url(args.database_url, folder)
    os.environ.update({
        "SCRUTIN_DATABASE_URL": default_url, "SCRUTIN_BALLOTBOX_DATABASE_URL": ballotbox_url,
        "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_VAR_DIR": str(folder),
        "SCRUTIN_CREDENTIAL_PEPPER": "bench-" + "0" * 58, "SCRUTIN_SMTP_HOST": "127.0.0.1",
        "SCRUTIN_SMTP_PORT": str(port), "SCRUTIN_MAIL_RATE": "0",
        "SCRUTIN_FROM_EMAIL": "elections@exemple.fr", "SCRUTIN_BOUNCE_ADDRESS": "retours@exemple.fr",
    })  # fmt: skip
    os.environ.pop("SCRUTIN_DEBUG", None)
    if os.environ.get("SCRUTIN_BENCH_REDIS_URL"):
        os.environ["SCRUTIN_REDIS_URL"] = os.environ["SCRUTIN_BENCH_REDIS_URL"]
    if args.worker and not (
        default_url.startswith("postgres") and os.environ.get("SCRUTIN_REDIS_URL")
    ):
        raise SystemExit("--worker needs PostgreSQL (--database-url) and SCRUTIN_REDIS_URL")
    import django

    django.setup()
    database = "PostgreSQL" if default_url.startswith("postgres") else "SQLite"
    cache = "Redis" if os.environ.get("SCRUTIN_REDIS_URL") else "in-process cache"
    print(f"Loading {count:,} electors into {database} …", flush=True)
    started = time.perf_counter()
    load_electors(folder, count)
    print(f"  loaded in {time.perf_counter() - started:.0f} s (not measured)", flush=True)
    ours = run_worker(sink, count, folder) if args.worker else run_child(sink, count, "engine")
    assert ours["received"] == ours["sent"] == count, ours
    assert sink.sample is not None
    sender, template = sink.sample
    spec = {"host": "127.0.0.1", "port": port, "count": count, "sender": sender,
            "recipient": address(1), "template": template.decode("latin-1")}  # fmt: skip
    spec_path = folder / "baseline.json"
    spec_path.write_text(json.dumps(spec))
    base = run_child(sink, count, "baseline", str(spec_path))
    assert base["received"] == count, base
    where = (
        "by a Celery worker (solo pool)" if args.worker else "inline, as one Celery worker runs it"
    )
    print(f"Campaign of {count:,} electors, {database}, {cache}, sent {where}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"  queueing (start_campaign, {count:,} rows): {ours['queue_seconds']:.1f} s")
    rate = show("  ours, mailing engine    ", ours)
    base_rate = show("  baseline, raw smtplib   ", base)
    cpu_ratio = (ours["cpu"] / ours["received"]) / (base["cpu"] / base["received"])
    print(f"Ratio ours / baseline: {rate / base_rate:.2f} in e-mails/s (wall clock; 1.00 = as fast as raw "
          f"smtplib); the engine's process spends {cpu_ratio:.1f}× the CPU per e-mail of raw smtplib's")  # fmt: skip
    total = ours["queue_seconds"] + ours["seconds"]
    print(f"Whole campaign (queueing + sending): {count / total:,.0f} e-mails/s, "
          f"{FULL / (count / total) / 60:.1f} min projected for {FULL:,} electors")  # fmt: skip


if __name__ == "__main__":
    main()
