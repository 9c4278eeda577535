"""Benchmark: concurrent voters casting real encrypted ballots over HTTP (issue 6).

Sets up a PostgreSQL election (one urn, CCIR 12 candidates / 6 seats and CCIT 30 / 15, the
reference ballot), generates real credentials and reads them back from the encrypted export,
encrypts one real ballot per voter (the same format the browser produces), then starts gunicorn
and lets C concurrent voters each: open the login page, log in, open the ballot page and post the
encrypted ballot. Prints casts per second, p50/p95 latency of the cast request, and the ratio of
casts/s to the bare proof-verification rate of the same ballots on the same cores, measured in
the same run (what the web stack, the two databases and the émargement cost). Then runs the
same path in-process under ``cProfile`` for a few more voters and prints where the time goes
(proof check, canonical JSON and digests, database, templates, sessions, the cast, the rest;
see ``bench/castprofile.py``).

    .venv/bin/python bench/cast.py            # 1,000 voters, 16 concurrent
    .venv/bin/python bench/cast.py --quick    # 120 voters, 8 concurrent

Uses ``SCRUTIN_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/scrutin_bench_cast``; that database and its ``_ballotbox``
twin are dropped and re-created) and ``SCRUTIN_BENCH_REDIS_URL`` (default
``redis://127.0.0.1:6379/12``), so several runs can share one server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
URL = os.environ.get(
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench_cast"
)
REDIS_URL = os.environ.get("SCRUTIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
ENV = {"SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox", "SCRUTIN_HTTPS": "0",
       "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_REDIS_URL": REDIS_URL,
       "SCRUTIN_VAR_DIR": str(REPO / "var" / "bench-cast"), "SCRUTIN_HOSTS": "127.0.0.1,localhost"}  # fmt: skip
CCI = ("075", "CCI Paris Île-de-France", [("C", "Commerce", "", "", 6, 15)])


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup(voters: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Fresh databases, structure, electors, candidates, election, credentials."""
    name = URL.rsplit("/", 1)[1]
    for db in (name, f"{name}_ballotbox"):
        _admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        _admin(f"CREATE DATABASE {db}")
    os.environ.update(ENV)
    os.environ.pop("SCRUTIN_TEST_DATABASE_URL", None)
    import django

    django.setup()
    from datetime import date, timedelta

    from django.core.cache import cache
    from django.core.management import call_command
    from django.utils import timezone

    from scrutin.crypto import dkg
    from scrutin.platform.candidates.models import Candidate, Groupement
    from scrutin.platform.credentials import export, services
    from scrutin.platform.credentials.models import GenerationRun
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import Elector, ImportRun, Urn
    from scrutin.platform.voting import elections
    from scrutin.record.simulate import run_ceremony

    call_command("migrate", verbosity=0)
    call_command("migrate", database="ballotbox", verbosity=0)
    cache.clear()
    folder = Path(ENV["SCRUTIN_VAR_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "s.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([CCI]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    path = folder / "e.csv"
    generate.write_csv(
        path, generate.ELECTORS_HEADER, generate.elector_rows("075", [("C", "")], voters)
    )
    imports.import_electors(ImportRun.objects.create(kind="electors", filename="e", path=str(path)))
    Elector.objects.update(birth_date=None)  # one login step: the bench measures the cast
    urn = Urn.objects.get()
    for question, size in zip(urn.questions.order_by("position"), (12, 30), strict=True):
        g = Groupement.objects.create(
            question=question, name=f"Groupement {question.kind}", registration=1
        )
        for i in range(1, size + 1):
            Candidate.objects.create(question=question, groupement=g, position=i, civility="M.",
                                     last_name=f"Nom{i}", first_name="Prénom", birth_date=date(1970, 1, i % 28 + 1))  # fmt: skip
    ceremony = dkg.Ceremony(
        "bench", "ristretto255", dkg.TrusteeId("president"), (dkg.TrusteeId("a1"),), 1
    )
    trustees, _ = run_ceremony(ceremony)
    now = timezone.now()
    election = elections.open_election(
        urn, trustees, "ristretto255", now - timedelta(hours=1), now + timedelta(hours=2)
    )
    from scrutin.platform.sealing.services import seal_election, seal_platform

    seal_election(election)  # CCTP 4.1.4.6: no vote unless the urn and the platform are sealed
    seal_platform()
    private, public = export.generate_keypair()
    services.register_recipient(public, "bench")
    run = services.generate(services.new_run("075", GenerationRun.Mode.NEW))
    codes = {row[0]: row[1] for row in export.read_rows(Path(run.export_path), private)}
    return election.params, codes


def _encrypt(args: tuple[dict[str, Any], int]) -> list[dict[str, Any]]:
    import random

    from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
    from scrutin.crypto.params import parse_parameters

    params_doc, count = args
    params = parse_parameters(params_doc)
    rng = random.Random(count)
    out = []
    for _ in range(count):
        choices = []
        for q in params.questions:
            picked = set(rng.sample(range(q.size), rng.randint(1, q.max)))
            choices.append([1 if i in picked else 0 for i in range(q.size)])
        out.append(ballot_to_json(params.group, encrypt_ballot(params, choices)))
    return out


def _verify(args: tuple[dict[str, Any], list[dict[str, Any]]]) -> int:
    from scrutin.crypto.ballot import check_ballot_json
    from scrutin.crypto.params import parse_parameters

    params_doc, ballots = args
    params = parse_parameters(params_doc)
    for b in ballots:
        check_ballot_json(params, b)
    return len(ballots)


class Voter:
    """One browser-less voter: cookies, CSRF tokens, the four requests of the voting path."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Referer": f"http://127.0.0.1:{self.port}{path}"}  # fmt: skip
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text, response.getheader("Location") or ""

    def token(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, html[:300]
        return match.group(1)

    def vote(self, identifier: str, code: str, ballot: dict[str, Any]) -> float:
        _, html, _ = self.request("GET", "/vote/")
        status, _, location = self.request("POST", "/vote/", {"csrfmiddlewaretoken": self.token(html),
                                                              "identifiant": identifier, "code": code})  # fmt: skip
        assert status == 302, (status, location)
        assert location.endswith("/vote/bulletin/"), location
        _, html, _ = self.request("GET", "/vote/bulletin/")
        start = time.perf_counter()
        status, html, _ = self.request("POST", "/vote/depot/", {"csrfmiddlewaretoken": self.token(html),
                                                                 "bulletin": json.dumps(ballot)})  # fmt: skip
        elapsed = time.perf_counter() - start
        assert status == 200, (status, html[:400])
        assert "Votre vote est enregistré" in html, html[:400]
        return elapsed


def profiled_path(numbers: list[str], codes: dict[str, str], ballots: list[dict[str, Any]]) -> str:
    """The four requests of each voter in this process, under the profiler (issue 15). The
    first voter only warms up (templates loaded, lazy imports done) and is not counted."""
    from django.test import Client

    from castprofile import breakdown, report

    def vote(number: str, ballot: dict[str, Any]) -> None:
        client = Client(HTTP_HOST="127.0.0.1")
        assert client.get("/vote/").status_code == 200
        answer = client.post("/vote/", {"identifiant": number, "code": codes[number]})
        assert answer.status_code == 302, answer.status_code
        assert client.get("/vote/bulletin/").status_code == 200
        answer = client.post("/vote/depot/", {"bulletin": json.dumps(ballot)})
        assert "Votre vote est enregistré" in answer.content.decode(), answer.content[:300]

    vote(numbers[0], ballots[0])

    def run() -> None:
        for number, ballot in zip(numbers[1:], ballots[1:], strict=True):
            vote(number, ballot)

    return report(len(numbers) - 1, *breakdown(run))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--voters", type=int)
    parser.add_argument("--concurrency", type=int)
    args = parser.parse_args()
    voters = args.voters or (120 if args.quick else 1000)
    concurrency = args.concurrency or (8 if args.quick else 16)
    profiled = 10 if args.quick else 40
    params, codes = setup(voters + profiled)
    numbers = sorted(codes)
    numbers, later = numbers[:voters], numbers[voters:]
    cores = os.cpu_count() or 2
    t = time.perf_counter()
    per = -(-(voters + profiled) // cores)
    with ProcessPoolExecutor(cores) as pool:
        ballots = [
            b
            for chunk in pool.map(
                _encrypt, [(params, min(per, voters + profiled - i * per)) for i in range(cores)]
            )
            for b in chunk
        ]
    print(
        f"setup: {voters} electors, credentials and encrypted ballots ready ({time.perf_counter() - t:.0f} s of encryption)"
    )

    ballots, later_ballots = ballots[:voters], ballots[voters:]
    # baseline: bare proof verification of the same ballots on all cores
    t = time.perf_counter()
    with ProcessPoolExecutor(cores) as pool:
        sum(pool.map(_verify, [(params, ballots[i::cores]) for i in range(cores)]))
    verify_rate = voters / (time.perf_counter() - t)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | ENV
    env.pop("SCRUTIN_TEST_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "scrutin.platform.wsgi", "-b", f"127.0.0.1:{port}",
                               "-w", str(cores), "--threads", "4", "--log-level", "warning"], env=env, cwd=REPO)  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        Voter(port).request("GET", "/vote/")  # warm-up
        t = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(
                pool.map(
                    lambda i: Voter(port).vote(numbers[i], codes[numbers[i]], ballots[i]),
                    range(voters),
                )
            )
        wall = time.perf_counter() - t
    finally:
        server.terminate()
        server.wait(timeout=30)
    casts = voters / wall
    q = statistics.quantiles(latencies, n=20)
    print(f"casts: {voters} voters, {concurrency} concurrent, {wall:.1f} s -> {casts:.1f} casts/s "
          f"(whole path: login, ballot page, cast)")  # fmt: skip
    print(
        f"cast request latency: p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {q[18] * 1000:.0f} ms"
    )
    print(f"bare proof verification, same ballots, {cores} cores: {verify_rate:.1f} ballots/s")
    print(f"ratio casts/s / verification rate = {casts / verify_rate:.2f} (1.0 = the web stack costs nothing; "
          "load generator shares the same cores)")  # fmt: skip
    print(profiled_path(later, codes, later_ballots))


if __name__ == "__main__":
    main()
