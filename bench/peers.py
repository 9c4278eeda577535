"""Scrutin beside Belenios on the same election (issue 15): `.venv/bin/python bench/peers.py [--quick]`.

The election: question 1, 12 candidates, at most 6 choices; question 2, 30 candidates, at most
15 choices; blank vote allowed on both (the CCI reference ballot, CCTP 4.1.4 / RT exigence 66's
record). It is built in both systems:

* Belenios 2.0 through its own command-line tool ``belenios-tool`` (Debian package
  ``belenios-tool``): ``setup generate-token``, ``setup generate-credentials``,
  ``setup generate-trustee-key``, ``setup make-trustees``, ``setup make-election``,
  ``archive init``, ``election generate-ballot``, ``archive add-event``, ``election verify``.
  If the tool is not on the PATH, it is fetched without root: ``apt-get download`` of the package
  (and, when ``ldd`` reports a missing library, of the libraries it depends on), unpacked with
  ``dpkg-deb -x`` into ``var/peers/belenios`` and run with ``LD_LIBRARY_PATH``. If it cannot be
  had, the Belenios column is skipped with a message (exit 0); no figure is ever made up.
* Scrutin with ristretto255 and with P-256: the reference ballot encrypted by
  ``scrutin.crypto.ballot`` and checked by the independent verifier
  (``scrutin.verify.ballots.check_ballot``), its JSON parsed inside the timed section.

Per-ballot verification time. Belenios verifies a whole archive per call, in a new process:
each round runs ``belenios-tool election verify`` on two archives of the same election, one
with no ballot and one with N ballots, and takes (T(N) − T(0)) / N: the start-up, the checks of
the setup (trustee keys, credentials) and the reading of the archive cancel out, leaving what one
more ballot costs (its proofs and its credential signature). Scrutin's ballots are checked in
process, one after the other. The three measures are interleaved (Belenios, ristretto255,
P-256, Belenios, …), CPU time of the verifying process is recorded (wall time alongside), and
medians over the rounds are printed with the ratios Belenios / Scrutin.

Record bytes per ballot: Belenios, the ballot as ``generate-ballot`` writes it and the growth of
the ``.bel`` archive per ballot (a tar of events, so with headers and padding); Scrutin, the line
the ballot occupies in the record's ``ballots.jsonl`` (RFC 8785 canonical JSON and a newline).

Needs no database and no Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot  # noqa: E402
from scrutin.crypto.dkg import Ceremony, TrusteeId  # noqa: E402
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint  # noqa: E402
from scrutin.record.simulate import REFERENCE_QUESTIONS, make_questions, run_ceremony  # noqa: E402
from scrutin.record.writer import ballot_line  # noqa: E402
from scrutin.verify.ballots import check_ballot  # noqa: E402
from scrutin.verify.election import read_election  # noqa: E402

CACHE = REPO / "var" / "peers"
BELENIOS_GROUP = "BELENIOS-2048"  # the group of the package's own demo scripts (demo.sh)
SELECTION = [[1] * 6 + [0] * 6, [1] * 15 + [0] * 15]  # the reference ballot: max choices
SCRUTIN_GROUPS = ("ristretto255", "P-256")


class Unavailable(Exception):
    """Belenios' tool cannot be had on this machine; the message says why."""


# -- Belenios' tool -------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise Unavailable(f"{cmd[0]} cannot be run: {exc}") from exc
    if done.returncode != 0:
        raise Unavailable(
            f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-400:]}"
        )
    return done.stdout


def _missing_libraries(binary: Path, env: dict[str, str]) -> list[str]:
    if shutil.which("ldd") is None:
        return []  # the --version run below tells whether it starts
    out = subprocess.run(["ldd", str(binary)], env=env, capture_output=True, text=True, check=False)
    return [line.split()[0] for line in out.stdout.splitlines() if "not found" in line]


def _lib_dirs(root: Path) -> list[str]:
    return sorted({str(p.parent) for p in root.rglob("*.so*") if p.is_file()})


def find_belenios() -> tuple[list[str], dict[str, str], str]:
    """(command, environment, where it came from); raises Unavailable."""
    env = os.environ | {"BELENIOS_USE_URANDOM": "1"}
    found = shutil.which("belenios-tool")
    if found:
        return [found], env, f"{found} (installed)"
    root = CACHE / "belenios"
    binary = root / "usr" / "bin" / "belenios-tool"
    if not binary.exists():
        for tool in ("apt-get", "dpkg-deb"):
            if shutil.which(tool) is None:
                raise Unavailable(f"belenios-tool is not installed and {tool} is not available")
        debs = CACHE / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        _run(["apt-get", "download", "belenios-tool"], debs)
        for deb in debs.glob("belenios-tool_*.deb"):
            _run(["dpkg-deb", "-x", str(deb), str(root)], debs)
    if not binary.exists():
        raise Unavailable("the belenios-tool package holds no usr/bin/belenios-tool")
    env["LD_LIBRARY_PATH"] = ":".join([*_lib_dirs(root), env.get("LD_LIBRARY_PATH", "")])
    if _missing_libraries(binary, env):
        # The libraries it needs (libgmp, zlib) are usually on the system; fetch them if not.
        debs = CACHE / "debs"
        depends = _run(["apt-cache", "depends", "belenios-tool"], debs)
        for line in depends.splitlines():
            name = line.strip().removeprefix("Depends:").strip()
            if line.strip().startswith("Depends:") and name != "libc6" and not name.startswith("<"):
                _run(["apt-get", "download", name], debs)
        for deb in debs.glob("*.deb"):
            _run(["dpkg-deb", "-x", str(deb), str(root)], debs)
        env["LD_LIBRARY_PATH"] = ":".join([*_lib_dirs(root), os.environ.get("LD_LIBRARY_PATH", "")])
        missing = _missing_libraries(binary, env)
        if missing:
            raise Unavailable(f"belenios-tool still misses libraries: {', '.join(missing)}")
    _run([str(binary), "--version"], root, env)
    return [str(binary)], env, f"{binary} (Debian package unpacked without root)"


class BeleniosElection:
    """One election set up with belenios-tool, in two archives: 0 ballots and N ballots."""

    def __init__(self, tool: list[str], env: dict[str, str], ballots: int, folder: Path) -> None:
        self.tool, self.env, self.n = tool, env, ballots
        self.messages = ""
        self.empty, self.full = folder / "empty", folder / "full"
        setup = folder / "setup"
        for d in (setup, self.empty, self.full):
            d.mkdir(parents=True)
        group = ["--group", BELENIOS_GROUP]
        uuid = self.call(["setup", "generate-token"], setup).strip()
        self.call(
            ["setup", "generate-credentials", "--uuid", uuid, *group, "--count", str(ballots)],
            setup,
        )
        (pub,) = setup.glob("*.pubcreds")
        pub.rename(setup / "public_creds.json")
        (priv,) = setup.glob("*.privcreds")
        self.call(["setup", "generate-trustee-key", *group], setup)
        (key,) = setup.glob("*.pubkey")
        shutil.copy(key, setup / "public_keys.jsons")
        self.call(["setup", "make-trustees"], setup)
        (setup / "public_keys.jsons").unlink()
        questions = [
            {"answers": [f"Candidat {i}" for i in range(1, k + 1)], "blank": True, "min": 1,
             "max": m, "question": name.upper()}
            for name, k, m in REFERENCE_QUESTIONS
        ]  # fmt: skip
        template = {"description": "Banc d'essai", "name": "Banc d'essai", "questions": questions,
                    "administrator": "Banc d'essai", "credential_authority": "Banc d'essai"}  # fmt: skip
        (setup / "template.json").write_text(json.dumps(template))
        self.call(
            ["setup", "make-election", "--uuid", uuid, *group, "--template", "template.json"], setup
        )
        self.group = json.loads((setup / "election.json").read_text())["group"]
        for name in ("election.json", "trustees.json", "public_creds.json"):
            shutil.copy(setup / name, self.empty / name)
        self.call(["archive", "init"], self.empty)
        for name in ("election.json", "trustees.json", "public_creds.json"):
            (self.empty / name).unlink()
        (archive,) = self.empty.glob("*.bel")
        shutil.copy(archive, self.full / archive.name)
        # Belenios puts the blank choice first in each answer.
        choices = setup / "choices.json"
        choices.write_text(json.dumps([[0, *SELECTION[0]], [0, *SELECTION[1]]]))
        sizes = []
        for line in priv.read_text().splitlines():
            (setup / "cred").write_text(line.split()[-1] + "\n")
            ballot = self.call(["election", "generate-ballot", "--dir", str(self.empty),
                                "--privcred", "cred", "--ballot", "choices.json"], setup).strip()  # fmt: skip
            sizes.append(len(ballot.encode()))
            self.call(["archive", "add-event", "--type=Ballot"], self.full, stdin=ballot)
        self.ballot_bytes = statistics.median(sizes)
        self.archive_bytes = (
            (self.full / archive.name).stat().st_size - archive.stat().st_size
        ) / ballots
        with tarfile.open(self.full / archive.name) as tar:
            self.events = len(tar.getnames())

    def call(self, args: list[str], cwd: Path, stdin: str | None = None) -> str:
        done = subprocess.run([*self.tool, *args], cwd=cwd, env=self.env, input=stdin,
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"belenios-tool {' '.join(args)}: {done.stderr.strip()[-400:]}")
        self.messages = done.stderr  # its progress and verdict ("I: all checks passed")
        return done.stdout

    def verify(self, folder: Path) -> tuple[float, float]:
        """(CPU seconds, wall seconds) of one `election verify` of the archive in folder."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        self.call(["election", "verify", "--dir", str(folder)], folder)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if "all checks passed" not in self.messages:
            raise RuntimeError(
                f"belenios-tool election verify did not pass: {self.messages[-400:]}"
            )
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return cpu, wall

    def per_ballot(self, empty_first: bool) -> tuple[float, float]:
        if empty_first:
            c0, w0 = self.verify(self.empty)
            cn, wn = self.verify(self.full)
        else:
            cn, wn = self.verify(self.full)
            c0, w0 = self.verify(self.empty)
        return (cn - c0) / self.n, (wn - w0) / self.n


# -- Scrutin ---------------------------------------------------------------------------------


def scrutin_check(group: str) -> tuple[Callable[[], None], int]:
    """A function checking the reference ballot (JSON text parsed inside), and its record bytes."""
    ceremony = Ceremony(
        "peers", group, TrusteeId("president"), tuple(TrusteeId(f"a{i}") for i in (1, 2, 3)), 2
    )
    trustees, _ = run_ceremony(ceremony)
    params = ElectionParameters(
        ElectionId("peers"), "peers", group, trustees["public_key"], Fingerprint("00" * 32),
        "00" * 32, make_questions(REFERENCE_QUESTIONS),
    )  # fmt: skip
    line = ballot_line(ballot_to_json(params.group, encrypt_ballot(params, SELECTION)))
    e = read_election(params.to_json())
    y = e.public_key()
    check_ballot(e, y, json.loads(line))  # the ballot is valid before anything is timed

    def check() -> None:
        check_ballot(e, y, json.loads(line))

    return check, len(line) + 1  # ballots.jsonl: one line per ballot


def timed(fn: Callable[[], None], reps: int) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.process_time() - cpu) / reps, (time.perf_counter() - wall) / reps


# -- Run --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (under a minute)")
    parser.add_argument("--ballots", type=int, help="ballots in Belenios' archive (N)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds")
    args = parser.parse_args()
    n = args.ballots or (4 if args.quick else 16)
    rounds = args.rounds or (5 if args.quick else 15)
    reps = 2 if args.quick else 4

    print("Election: Q1 12 candidates, at most 6; Q2 30 candidates, at most 15; blank allowed.")
    print("Ballot measured: 6 and 15 choices (Scrutin's proofs cost the same for any choice).")
    belenios: BeleniosElection | None = None
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    try:
        try:
            tool, env, origin = find_belenios()
            version = subprocess.run([*tool, "--version"], env=env, capture_output=True,
                                     text=True, check=False).stdout.strip()  # fmt: skip
            print(f"Belenios: belenios-tool {version}, {origin}")
            belenios = BeleniosElection(tool, env, n, work / "belenios")
            print(f"Belenios group: {belenios.group} (belenios-tool requires --group; "
                  "BELENIOS-2048 is the 2048-bit finite-field group of its own demo)")  # fmt: skip
        except Unavailable as exc:
            print(f"Belenios: SKIPPED, belenios-tool cannot be had here: {exc}")
            print("The Belenios column and the ratios are left out; no figure is estimated.")
        checks = {g: scrutin_check(g) for g in SCRUTIN_GROUPS}

        results: dict[str, list[tuple[float, float]]] = {
            g: [] for g in (*SCRUTIN_GROUPS, "belenios")
        }
        for r in range(rounds):
            if belenios is not None:
                results["belenios"].append(belenios.per_ballot(empty_first=r % 2 == 0))
            for g in SCRUTIN_GROUPS:
                results[g].append(timed(checks[g][0], reps))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def med(name: str, i: int) -> float:
        return statistics.median(x[i] for x in results[name])

    load = os.getloadavg()[0]
    print(f"\nPer-ballot verification, medians of {rounds} interleaved rounds "
          f"(CPU time of the verifying process; wall time in brackets; load {load:.1f}):")  # fmt: skip
    if belenios is not None:
        print(f"  Belenios {belenios.group:<14} {med('belenios', 0) * 1e3:7.1f} ms "
              f"[{med('belenios', 1) * 1e3:.1f} ms]  = (verify {n} ballots − verify 0) / {n}")  # fmt: skip
    for g in SCRUTIN_GROUPS:
        line = f"  Scrutin {g:<15} {med(g, 0) * 1e3:7.1f} ms [{med(g, 1) * 1e3:.1f} ms]"
        if belenios is not None:
            line += f"  Belenios / Scrutin: {med('belenios', 0) / med(g, 0):.2f}×"
            line += f" [{med('belenios', 1) / med(g, 1):.2f}×]"
        print(line)
    print("\nRecord bytes per ballot:")
    if belenios is not None:
        print(f"  Belenios: ballot {belenios.ballot_bytes:,.0f} B; archive growth "
              f"{belenios.archive_bytes:,.0f} B per ballot (tar of {belenios.events} events)")  # fmt: skip
    for g in SCRUTIN_GROUPS:
        print(f"  Scrutin {g}: {checks[g][1]:,} B (one ballots.jsonl line)")
    if belenios is not None:
        print("Belenios' ballots also carry the voter's credential and its signature; Scrutin's "
              "authenticate the voter in the server, outside the ballot.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
