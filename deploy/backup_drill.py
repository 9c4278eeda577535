#!/usr/bin/env python3
"""Backup and point-in-time restore drill of both databases (issue 18, CCTP 4.2.2.3).

    .venv/bin/python deploy/backup_drill.py [--quick] [--keep]

With PostgreSQL's own tools, as deploy/'s backup hosts run them (``scrutin-receivewal``,
``scrutin-basebackup``): on two throwaway primaries (electors, ballot box) on free local ports,
each with ``archive_command`` on (the production ``archive_timeout`` of 60 s) **and**
``pg_receivewal`` streaming into a replication slot, it runs a real small election
(``deploy/drill_election.py``: ceremony, seals, encrypted ballots through the cast service):

1. urn 011-C: votes, then closed and sealed; urn 011-I: first votes;
2. ``pg_basebackup`` of both clusters **while** urn 011-I keeps voting, then ``pg_verifybackup``;
3. the target: a timestamp (and each cluster's LSN) once those votes are acknowledged;
4. more votes in 011-I after the target, then both primaries are killed (``-m immediate``);
5. restore into **new** clusters at the target (``recovery_target_time``, WAL from
   ``pg_receivewal``), start, run ``recover()``, check ballots = émargements per urn, every ballot
   acknowledged before the target present and none after it, then tally the closed urn on the
   restored data and run ``scrutin verify`` on its record;
6. RPO: restore to the end of the WAL, once from ``pg_receivewal``'s copy and once from the
   ``archive_command`` archive only, and count the acknowledged ballots missing.

Prints the figures and the RTO as a ratio of a plain ``initdb`` + start measured in the same run.
PostgreSQL's server binaries are taken from ``SCRUTIN_PG_BIN`` (default
``/usr/lib/postgresql/15/bin``, Debian's ``postgresql-15``, installed by
scripts/install-system.sh); run as root, they run as the ``postgres`` user. Everything lives in
one folder under ``/tmp``, removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("SCRUTIN_PG_BIN", "/usr/lib/postgresql/15/bin"))
TOOLS = ("initdb", "pg_ctl", "postgres", "pg_basebackup", "pg_receivewal", "pg_verifybackup")
SLOT = "scrutin_backup"
DATABASES = {"electeurs": "scrutin", "urne": "scrutin_ballotbox"}


def _render_module() -> Any:
    spec = importlib.util.spec_from_file_location("scrutin_deploy_render", REPO / "deploy" / "render.py")  # fmt: skip
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class DrillError(Exception):
    """The drill could not run (missing binaries, a cluster that does not start)."""


def missing_tools() -> list[str]:
    return [t for t in TOOLS if not os.access(PG_BIN / t, os.X_OK)]


def _owner() -> dict[str, Any]:
    """Run PostgreSQL as ``postgres`` when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


def _run(*args: str | Path, timeout: float = 300) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True,  # noqa: S603
                            timeout=timeout, cwd="/", **_owner())  # fmt: skip
    if result.returncode != 0:
        raise DrillError(f"{Path(str(args[0])).name} failed: {result.stderr.strip()[-1500:]}")
    return result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(port: int, sql: str, dbname: str = "postgres") -> Any:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname,
                         autocommit=True, connect_timeout=10) as conn:  # fmt: skip
        cursor = conn.execute(sql)  # type: ignore[arg-type]
        row = cursor.fetchone() if cursor.description else None
        return row[0] if row else None


@dataclass
class Cluster:
    name: str
    data: Path
    port: int = field(default_factory=_free_port)

    @property
    def log(self) -> Path:
        return self.data.with_suffix(".log")

    def settings(self, lines: dict[str, str]) -> None:
        text = "".join(f"{k} = {v}\n" for k, v in lines.items())
        with (self.data / "postgresql.conf").open("a") as handle:
            handle.write(f"\n# backup drill\nport = {self.port}\n" + text)

    def start(self) -> None:
        _run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "300", "start")

    def stop(self, mode: str = "fast") -> None:
        _run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def wait_primary(self, limit: float = 300) -> None:
        """Until recovery is over and the cluster accepts writes (promoted)."""
        deadline = time.monotonic() + limit
        while _query(self.port, "SELECT pg_is_in_recovery()"):
            if time.monotonic() > deadline:
                raise DrillError(f"{self.name}: still in recovery after {limit:.0f} s ({self.log})")
            time.sleep(0.05)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


class Drill:
    def __init__(self, root: Path, *, electors: int, quick: bool, filler_mb: int = 0) -> None:
        self.root, self.electors, self.quick, self.filler_mb = root, electors, quick, filler_mb
        self.pg = root / "pg"
        self.var = root / "var"
        self.figures: dict[str, Any] = {}
        self.failures: list[str] = []
        self.running: list[Cluster] = []
        self.receivers: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: list[Any] = []
        self.render = _render_module()

    # --- clusters -------------------------------------------------------------------------
    def _dir(self, *parts: str) -> Path:
        path = self.pg.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            for i in range(len(parts) + 1):
                shutil.chown(self.pg.joinpath(*parts[:i]), "postgres", "postgres")
        return path

    def _log(self, name: str) -> Any:
        handle = (self.pg / name).open("wb")
        self.logs.append(handle)
        return handle

    def initdb(self, name: str) -> Cluster:
        cluster = Cluster(name, self.pg / name)
        _run(PG_BIN / "initdb", "-D", cluster.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync")  # fmt: skip
        cluster.settings({"listen_addresses": "'127.0.0.1'",
                          "unix_socket_directories": f"'{self._dir('sock')}'"})  # fmt: skip
        return cluster

    def primary(self, name: str) -> Cluster:
        cluster = self.initdb(name)
        archive = self._dir("archive", name)
        cluster.settings({
            "wal_level": "replica", "max_wal_senders": "6", "max_replication_slots": "4",
            "archive_mode": "on", "archive_timeout": "60",
            "archive_command": f"'test ! -f {archive}/%f && cp %p {archive}/%f'",
        })  # fmt: skip
        cluster.start()
        self.running.append(cluster)
        _query(cluster.port, f"CREATE DATABASE {DATABASES[name]}")
        self._dir("repo", f"scrutin-{name}", "wal")
        # the slot Patroni keeps on the leader (its permanent slot in deploy/'s patroni.yml)
        _run(PG_BIN / "pg_receivewal", "-h", "127.0.0.1", "-p", str(cluster.port), "-U",
             "postgres", "--slot", SLOT, "--create-slot", "--if-not-exists")  # fmt: skip
        # then exactly the command of deploy/'s rendered scrutin-receivewal.service
        unit = self.rendered("systemd/scrutin-receivewal.service", name, cluster)
        (command,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
        self.receivers[name] = subprocess.Popen(  # noqa: S603
            shlex.split(command.removeprefix("ExecStart=")),
            stdout=subprocess.DEVNULL, stderr=self._log(f"receivewal-{name}.log"),
            cwd="/", env=os.environ | {"PGAPPNAME": "scrutin_backup"}, **_owner(),
        )  # fmt: skip
        return cluster

    def rendered(self, template: str, name: str, cluster: Cluster) -> str:
        """A backup host's file of deploy/templates, rendered for this drill's clusters."""
        values = {"scope": f"scrutin-{name}", "backup_repo": str(self.pg / "repo"),
                  "pg_version": "15", "backup_retention_full": 1, "backup_slot": SLOT,
                  "backup_conninfo": f"host=127.0.0.1 port={cluster.port} user=postgres"}  # fmt: skip
        text = str(self.render.render_text(template, values))
        return text.replace("/usr/lib/postgresql/15/bin", str(PG_BIN))

    def basebackup(self, name: str, cluster: Cluster) -> Path:
        """deploy/'s rendered scrutin-basebackup: pg_basebackup, pg_verifybackup, retention."""
        script = self.pg / f"scrutin-basebackup-{name}"
        script.write_text(self.rendered("backup/scrutin-basebackup", name, cluster))
        _run("/bin/sh", script)
        base = self.pg / "repo" / f"scrutin-{name}" / "base"
        return sorted(base.glob("*Z"))[-1]

    def restore(
        self, name: str, backup: Path, wal: Path, label: str, target: str | None
    ) -> Cluster:
        """A new cluster from ``backup``, replaying the WAL of ``wal`` up to ``target`` (or the
        end); returns once it accepts writes. Times the whole in ``figures``."""
        start = time.perf_counter()
        cluster = Cluster(f"{name}-{label}", self.pg / f"{name}-{label}")
        _run("cp", "-a", backup, cluster.data)
        copied = time.perf_counter()
        lines = {"archive_mode": "off", "restore_command": f"'cp {wal}/%f %p'"}
        if target is not None:
            lines |= {"recovery_target_time": f"'{target}'", "recovery_target_action": "'promote'"}
        cluster.settings(lines)
        (cluster.data / "recovery.signal").touch()
        if os.geteuid() == 0:
            shutil.chown(cluster.data / "recovery.signal", "postgres", "postgres")
        cluster.start()
        self.running.append(cluster)
        cluster.wait_primary()
        done = time.perf_counter()
        self.figures[f"restore_{label}_{name}"] = {"copy": copied - start, "replay_start": done - copied,
                                                   "total": done - start}  # fmt: skip
        return cluster

    # --- the election ---------------------------------------------------------------------
    def step(self, clusters: dict[str, Cluster], *args: str | int) -> dict[str, Any]:
        result = self._python(clusters, str(REPO / "deploy" / "drill_election.py"), *args)
        if result.returncode != 0:
            raise DrillError(f"election step {args[0]} failed: {result.stderr[-3000:]}")
        return dict(json.loads(result.stdout.strip().splitlines()[-1]))

    def _python(
        self, clusters: dict[str, Cluster], *args: str | int, crash: str = ""
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("SCRUTIN_TEST_DATABASE_URL", "SCRUTIN_REDIS_URL")}  # fmt: skip
        env |= {"DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_HTTPS": "0",
                "SCRUTIN_VAR_DIR": str(self.var), "PYTHONPATH": str(REPO / "src"),
                "SCRUTIN_DATABASE_URL": clusters["electeurs"].url(DATABASES["electeurs"]),
                "SCRUTIN_BALLOTBOX_DATABASE_URL": clusters["urne"].url(DATABASES["urne"])}  # fmt: skip
        if crash:  # voting.cast's fault injection: the process dies there, as on a power cut
            env["SCRUTIN_CRASH_AT"] = crash
        return subprocess.run(  # noqa: S603
            [sys.executable, *map(str, args)],
            capture_output=True, text=True, env=env, timeout=600,
        )  # fmt: skip

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.failures.append(message)

    # --- the drill ------------------------------------------------------------------------
    def baseline(self) -> float:
        """A plain initdb + start + first connection, in the same run: the RTO's yardstick."""
        start = time.perf_counter()
        cluster = self.initdb("baseline")
        cluster.start()
        self.running.append(cluster)
        _query(cluster.port, "SELECT 1")
        elapsed = time.perf_counter() - start
        cluster.stop()
        self.running.remove(cluster)
        return elapsed

    def run(self) -> dict[str, Any]:
        self._dir()
        n = self.electors // 2  # electors per urn
        before, during, after = max(2, n // 4), max(2, n // 4), max(2, n // 4)
        self.figures["baseline_initdb_start"] = self.baseline()
        with ThreadPoolExecutor(2) as pool:
            primaries = dict(zip(DATABASES, pool.map(self.primary, DATABASES), strict=True))
        self.step(primaries, "setup", self.var / "drill", self.electors)
        self.fill(primaries)  # the data the base backup copies
        firsts = [self.basebackup(name, cluster) for name, cluster in primaries.items()]
        acks: dict[str, list[dict[str, Any]]] = {}
        acks["closed"] = self.step(primaries, "cast", "011-C", 0, before)["acknowledged"]
        self.step(primaries, "close", "011-C")
        acks["before_backup"] = self.step(primaries, "cast", "011-I", 0, before)["acknowledged"]

        # base backups of both clusters while urn 011-I keeps voting (retention 1: the first
        # backup, taken before the vote, is removed with the WAL older than this one)
        started = time.perf_counter()
        with ThreadPoolExecutor(3) as pool:
            jobs = {name: pool.submit(self.basebackup, name, c) for name, c in primaries.items()}
            voting = pool.submit(self.step, primaries, "cast", "011-I", before, during)
            backups = {name: job.result() for name, job in jobs.items()}
            self.figures["basebackup_seconds"] = time.perf_counter() - started
            acks["during_backup"] = voting.result()["acknowledged"]
        self.check(not any(p.exists() for p in firsts), f"retention kept {firsts}")
        self.fill(primaries)  # the WAL the restore replays
        # two casts cut by the target: one died after storing its ballot (recovery writes the
        # émargement), one after its intent only (recovery drops it); neither was acknowledged
        script = str(REPO / "deploy" / "drill_election.py")
        for offset, point in enumerate(("after-ballot", "after-intent")):
            cut = self._python(primaries, script, "cast", "011-I", before + during + offset, 1,
                               crash=point)  # fmt: skip
            if cut.returncode != 137:
                raise DrillError(f"the cast cut {point} did not die there: {cut.stderr[-2000:]}")

        # the target: every ballot acknowledged so far must come back, none cast after it
        target = str(_query(primaries["electeurs"].port, "SELECT clock_timestamp()"))
        self.figures["target"] = target
        self.figures["target_lsn"] = {name: str(_query(c.port, "SELECT pg_current_wal_lsn()"))
                                      for name, c in primaries.items()}  # fmt: skip
        self.figures["restored_mb"] = {name: _size(backups[name]) / 1e6 for name in DATABASES}
        self.figures["replayed_wal_mb"] = {
            name: (_lsn(self.figures["target_lsn"][name]) - _backup_start(backups[name])) / 1e6
            for name in DATABASES
        }  # fmt: skip
        time.sleep(0.2)  # the next commits are strictly after the target on the same clock
        acks["after_target"] = self.step(primaries, "cast", "011-I", before + during + 2, after)["acknowledged"]  # fmt: skip

        # the monitoring sees both backup streams connected (alert ScrutinBackupStreamDown)
        lines = self.step(primaries, "metrics")["lines"]
        self.figures["backup_metrics"] = lines
        for alias in ("default", "ballotbox"):
            self.check(f'scrutin_backup_stream_active{{database="{alias}"}} 1.0' in lines,
                       f"backup stream of {alias} not seen by /metriques: {lines}")  # fmt: skip
        # the disaster: both primaries lost at once, right after the last acknowledgement
        self.figures["receiver_lag_bytes"] = {name: int(_query(c.port, (
            "SELECT coalesce(max(pg_current_wal_lsn() - flush_lsn), -1) FROM pg_stat_replication "
            "WHERE application_name = 'scrutin_backup'")) or 0) for name, c in primaries.items()}  # fmt: skip
        for cluster in primaries.values():
            cluster.stop("immediate")
            self.running.remove(cluster)
        for receiver in self.receivers.values():
            receiver.wait(timeout=60)
        wal = {name: self.pg / "repo" / f"scrutin-{name}" / "wal" for name in DATABASES}
        for folder in wal.values():  # the segment being received when the primary died
            for partial in folder.glob("*.partial"):
                shutil.copy2(partial, folder / partial.stem)
                if os.geteuid() == 0:
                    shutil.chown(folder / partial.stem, "postgres", "postgres")

        # point-in-time restore into new clusters, both at once as on two backup hosts
        started = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            restored = dict(zip(DATABASES, pool.map(
                lambda name: self.restore(name, backups[name], wal[name], "pitr", target), DATABASES),
                strict=True))  # fmt: skip
        databases_up = time.perf_counter() - started
        # what the operator runs before reopening (docs/ops.md): settle the cut casts, compare
        checked = self._python(restored, "-m", "scrutin.cli.main", "ops", "restore-check")
        self.figures["restore_check"] = checked.stdout.strip().splitlines()
        self.check(
            checked.returncode == 0, f"scrutin ops restore-check: {checked.stdout}{checked.stderr}"
        )
        self.figures["rto_with_application"] = time.perf_counter() - started
        self.figures["rto_databases"] = databases_up
        state = self.step(restored, "state")
        self._check_pitr(state, acks)
        tally = self.step(restored, "tally", self.var / "drill", "011-C")
        self.figures["verify_exit_code"] = tally["verify"]
        self.check(tally["state"] == "done", f"tally of 011-C on the restored data: {tally}")
        self.check(tally["verify"] == 0, f"scrutin verify failed: {tally.get('verify_output')}")
        self.check(tally.get("ballot_count") == len(acks["closed"]),
                   f"011-C tallied {tally.get('ballot_count')} ballots, {len(acks['closed'])} cast")  # fmt: skip
        for cluster in restored.values():
            cluster.stop()
            self.running.remove(cluster)

        # RPO after losing both primaries: restore to the end of what each copy holds
        every = [a for batch in acks.values() for a in batch]
        archives = {name: self.pg / "archive" / name for name in DATABASES}
        for label, source in (("receivewal", wal), ("archive", archives)):
            with ThreadPoolExecutor(2) as pool:
                ends = dict(zip(DATABASES, pool.map(
                    lambda name, s=source, lb=label: self.restore(name, backups[name], s[name], lb, None),  # type: ignore[misc]
                    DATABASES), strict=True))  # fmt: skip
            state = self.step(ends, "state")
            present = {t for urn in state["urns"].values() for t in urn["trackers"]}
            lost = [a for a in every if a["tracker"] not in present]
            last = max(a["at"] for a in every)
            self.figures[f"rpo_{label}"] = {
                "acknowledged": len(every), "lost": len(lost),
                "seconds": (last - min(a["at"] for a in lost)) if lost else 0.0,
            }  # fmt: skip
            self._check_counts(state, f"restore to the end ({label})")
            for cluster in ends.values():
                cluster.stop()
                self.running.remove(cluster)
        self.check(self.figures["rpo_receivewal"]["lost"] == 0,
                   f"pg_receivewal's copy lost acknowledged ballots: {self.figures['rpo_receivewal']}")  # fmt: skip
        return {"figures": self.figures, "failures": self.failures}

    def _check_counts(self, state: dict[str, Any], where: str) -> None:
        for code, urn in state["urns"].items():
            self.check(len(urn["trackers"]) == len(urn["emargements"]),
                       f"{where}: urn {code} has {len(urn['trackers'])} ballots and "
                       f"{len(urn['emargements'])} émargements")  # fmt: skip

    def _check_pitr(self, state: dict[str, Any], acks: dict[str, list[dict[str, Any]]]) -> None:
        urns = state["urns"]
        self._check_counts(state, "point-in-time restore")
        self.check(state["consistent"], "check_after_restore() found a difference")
        self.check(
            state["ready"][0] == 200, f"/sante/pret on the restored databases: {state['ready']}"
        )
        self.figures["readiness"] = state["ready"]
        self.check(urns["011-C"]["closing"] is not None, "the closing seal of 011-C is missing")
        kept = [a for k in ("closed", "before_backup", "during_backup") for a in acks[k]]
        missing = [a for a in kept if a["tracker"] not in urns[a["urn"]]["trackers"]
                   or a["elector"] not in urns[a["urn"]]["emargements"]]  # fmt: skip
        self.check(
            not missing, f"{len(missing)} ballots acknowledged before the target are missing"
        )
        extra = [a for a in acks["after_target"] if a["tracker"] in urns["011-I"]["trackers"]]
        self.check(not extra, f"{len(extra)} ballots cast after the target were restored")
        self.figures["pitr_ballots"] = {code: len(u["trackers"]) for code, u in urns.items()}
        self.figures["pitr_expected"] = len(kept)

    def fill(self, primaries: dict[str, Cluster]) -> None:
        """``filler_mb`` MB more in a database of its own on each cluster (0: nothing), so that
        the copy and the replay are measured on more than the drill's small election."""
        if not self.filler_mb:
            return
        rows = self.filler_mb * 1000  # about 1 kB a row

        def one(cluster: Cluster) -> None:
            if not _query(cluster.port, "SELECT 1 FROM pg_database WHERE datname = 'filler'"):
                _query(cluster.port, "CREATE DATABASE filler")
                _query(cluster.port, "CREATE TABLE pad (n int, pad text)", "filler")
            _query(cluster.port, "INSERT INTO pad SELECT g, repeat(md5(random()::text), 30) "  # noqa: S608
                   f"FROM generate_series(1, {rows}) g", "filler")  # fmt: skip

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one, primaries.values()))

    def cleanup(self) -> None:
        for cluster in list(self.running):
            with contextlib.suppress(DrillError):
                cluster.stop("immediate")
        for receiver in self.receivers.values():
            if receiver.poll() is None:
                receiver.terminate()
                receiver.wait(timeout=30)
        for handle in self.logs:
            handle.close()


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _backup_start(backup: Path) -> int:
    for line in (backup / "backup_label").read_text().splitlines():
        if line.startswith("START WAL LOCATION: "):
            return _lsn(line.split()[3])
    raise DrillError(f"no START WAL LOCATION in {backup}/backup_label")


def run_drill(
    *, electors: int, quick: bool, keep: bool = False, filler_mb: int = 0
) -> dict[str, Any]:
    missing = missing_tools()
    if missing:
        raise DrillError(f"PostgreSQL server binaries missing in {PG_BIN}: {', '.join(missing)} "
                         "(scripts/install-system.sh installs postgresql-15)")  # fmt: skip
    if os.geteuid() == 0:
        pwd.getpwnam("postgres")
    root = Path(tempfile.mkdtemp(prefix="scrutin-drill-", dir="/tmp"))
    root.chmod(0o755)
    drill = Drill(root, electors=electors, quick=quick, filler_mb=filler_mb)
    try:
        out = drill.run()
    finally:
        drill.cleanup()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    out["root"] = str(root)
    return out


def report(out: dict[str, Any]) -> list[str]:
    f = out["figures"]
    base = f["baseline_initdb_start"]
    rto = f["rto_databases"]
    lines = [
        f"base backups of both clusters during the vote: {f['basebackup_seconds']:.1f} s",
        f"target {f['target']} (LSN electeurs {f['target_lsn']['electeurs']}, urne {f['target_lsn']['urne']})",
        f"point-in-time restore: ballots per urn {f['pitr_ballots']} "
        f"({f['pitr_expected']} acknowledged before the target)",
        "restored per cluster: base backup "
        + ", ".join(f"{k} {v:.0f} MB" for k, v in f["restored_mb"].items())
        + "; WAL replayed to the target "
        + ", ".join(f"{k} {v:.0f} MB" for k, v in f["replayed_wal_mb"].items()),
        "restore steps: " + "; ".join(
            f"{k.removeprefix('restore_pitr_')} copy {v['copy']:.1f} s, replay + start "
            f"{v['replay_start']:.1f} s" for k, v in f.items() if k.startswith("restore_pitr_")),
        f"RTO databases (copy + replay + start, both clusters in parallel): {rto:.1f} s",
        f"RTO with the operator's check (scrutin ops restore-check): {f['rto_with_application']:.1f} s",
        f"baseline plain initdb + start: {base:.2f} s; ratio RTO / baseline = {rto / base:.1f}",
        f"scrutin verify on the closed urn's record: exit code {f['verify_exit_code']}",
        f"/sante/pret on the restored databases: {' '.join(map(str, f['readiness']))}",
        "scrutin ops restore-check on the restored databases:",
        *(f"  {line}" for line in f.get("restore_check", [])),
    ]  # fmt: skip
    for label in ("receivewal", "archive"):
        r = f[f"rpo_{label}"]
        lines.append(f"RPO {label}: {r['lost']} of {r['acknowledged']} acknowledged ballots lost "
                     f"({r['seconds']:.1f} s of votes)")  # fmt: skip
    lines.append(f"pg_receivewal lag just before the loss (bytes): {f['receiver_lag_bytes']}")
    lines += [
        "/metriques on the primaries before the loss:",
        *(f"  {x}" for x in f["backup_metrics"]),
    ]
    lines += [f"FAILED: {message}" for message in out["failures"]] or ["all checks passed"]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few dozen electors")
    parser.add_argument("--electors", type=int, help="electors (two urns)")
    parser.add_argument("--keep", action="store_true", help="keep the folder under /tmp")
    parser.add_argument("--filler-mb", type=int, default=0,
                        help="MB added to each cluster before and after the base backup")  # fmt: skip
    args = parser.parse_args(argv)
    electors = args.electors or (24 if args.quick else 400)
    try:
        out = run_drill(
            electors=electors, quick=args.quick, keep=args.keep, filler_mb=args.filler_mb
        )
    except DrillError as error:
        print(f"drill failed: {error}", file=sys.stderr)
        return 2
    print("\n".join(report(out)))
    return 1 if out["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
