"""Benchmark: the management pages at national size on PostgreSQL (issue 19, items 9–13).

Builds a national-shaped data set once — 100 CCIs of Zipf-like sizes, 6 urns each (600 urns),
2,000,000 electors checked by the real annex-7 checker and written with ``COPY``, their
control-list fingerprints stored as the import stores them, a credential for 95 % of the lines,
candidatures entered and sealed, the COEs' key ceremonies, 40 % of the urns sealed and 20 % of
their electors émargés — then times the pages an organiser watches (credentials dashboard,
candidatures index, pilotage, sealing page, control list, electors and émargement lists, first
and last pages) with Django's test client, in the same process, and counts their queries. Each
time is printed as a ratio to two same-run baselines: a ``SELECT 1`` round trip and a trivial
page (the sign-in page). The long PDFs are jobs: the request that starts one is timed, and the
job itself (electors per second).

    .venv/bin/python bench/national_pages.py                    # 2,000,000 electors, 600 urns
    .venv/bin/python bench/national_pages.py --electors 200000  # a lighter national shape
    .venv/bin/python bench/national_pages.py --quick            # 30,000 electors, 60 urns

``SCRUTIN_BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/scrutin_bench_pages``)
names the database (and its ``_ballotbox`` twin); ``SCRUTIN_BENCH_REDIS_URL`` (else
``SCRUTIN_REDIS_URL``) the cache, if any. The
data set is kept: a second run with the same shape reuses it (``--rebuild`` to start again).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

URL = os.environ.get(
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench_pages"
)
DBNAME = URL.rsplit("/", 1)[1]
URNS = [("C", "Commerce", "S1", "moins de 10 salariés", 2, 4), ("C", "Commerce", "S2", "10 salariés et plus", 2, 4),
        ("I", "Industrie", "S1", "moins de 10 salariés", 1, 3), ("I", "Industrie", "S2", "10 salariés et plus", 1, 3),
        ("S", "Services", "S1", "moins de 10 salariés", 2, 4), ("S", "Services", "S2", "10 salariés et plus", 2, 4)]  # fmt: skip
URN_SHARES = (0.30, 0.22, 0.12, 0.08, 0.18, 0.10)
ZIPF = 0.8  # CCI sizes: the largest of 100 holds about 12 % of the electors
REPEAT = 5


def _admin(sql: str) -> None:
    with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _setup(var_dir: Path) -> None:
    os.environ.update({"SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox",
                       "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_VAR_DIR": str(var_dir),
                       "SCRUTIN_HOSTS": "testserver", "SCRUTIN_CREDENTIAL_PEPPER": "bench-" + "0" * 58})  # fmt: skip
    if os.environ.get("SCRUTIN_BENCH_REDIS_URL"):
        os.environ["SCRUTIN_REDIS_URL"] = os.environ["SCRUTIN_BENCH_REDIS_URL"]
    os.environ.pop("SCRUTIN_TEST_DATABASE_URL", None)
    import django

    django.setup()


def _shape_of(conn: Any) -> str | None:
    try:
        row = conn.execute("SELECT shape FROM bench_national_shape").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


def prepare_databases(shape: dict[str, int], rebuild: bool) -> bool:
    """True when the data set must be built (new databases), False when it is reused."""
    wanted = json.dumps(shape, sort_keys=True)
    if not rebuild:
        try:
            with psycopg.connect(URL, autocommit=True) as conn:
                if _shape_of(conn) == wanted:
                    return False
        except psycopg.OperationalError:
            pass
    for name in (DBNAME, DBNAME + "_ballotbox"):
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
    return True


# --- the data set ----------------------------------------------------------------------------


def cci_sizes(ccis: int, electors: int) -> list[int]:
    weights = [1 / (rank**ZIPF) for rank in range(1, ccis + 1)]
    sizes = [int(electors * w / sum(weights)) for w in weights]
    sizes[0] += electors - sum(sizes)
    return sizes


def _structure(ccis: int) -> None:
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.annex7.structure import read_structure
    from scrutin.platform.electoral.models import Category, Cci, Question, Urn

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "structure.csv"
        rows = generate.structure_rows(
            [(f"{100 + i}", f"CCI numéro {100 + i}", URNS) for i in range(ccis)]
        )
        generate.write_csv(path, generate.STRUCTURE_HEADER, rows)
        specs, report = read_structure(path)
    assert report.accepted, report.issues[:3]
    questions = []
    for spec in specs:
        cci, _ = Cci.objects.get_or_create(code=spec.cci_code, defaults={"label": spec.cci_label})
        category, _ = Category.objects.get_or_create(cci=cci, code=spec.category_code,
                                                     defaults={"label": spec.category_label})  # fmt: skip
        values = {name: getattr(spec, name) for name in imports.URN_FIELDS}
        urn = Urn.objects.create(cci=cci, category=category, code=spec.code, source_line=spec.line,
                                 subcategory_code=spec.subcategory_code, **values)  # fmt: skip
        questions += [Question(urn=urn, kind=b.kind, position=i, seats=b.seats, title=b.title,
                               label=b.label, seat_label=b.seat_label)
                      for i, b in enumerate(spec.ballots(), start=1)]  # fmt: skip
    Question.objects.bulk_create(questions)


def _electors(sizes: list[int]) -> None:
    """Every row through the annex-7 checker (as the import does), written with COPY."""
    from django.db import connection

    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.annex7.electors import ElectorChecker
    from scrutin.platform.electoral.imports import ELECTOR_COLUMNS, structure_index
    from scrutin.platform.electoral.models import Elector

    index = structure_index()
    columns = ", ".join(ELECTOR_COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {Elector._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for i, size in enumerate(sizes):
            code, checker, issues, start, line = f"{100 + i}", ElectorChecker(index), [], 1, 1
            for (cat, _, sub, _, _, _), share in zip(URNS, URN_SHARES, strict=True):
                count = max(1, int(size * share))
                for row in generate.elector_rows(code, [(cat, sub)], count, start=start, seed=i):
                    line += 1
                    out = checker.check(line, row, issues)
                    assert out is not None, issues[-3:]
                    copy.write_row(out)
                start += count
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Elector._meta.db_table}")


def _candidatures(urns: list[Any]) -> None:
    from scrutin.platform.candidates import services as candidatures
    from scrutin.platform.candidates.models import Candidate, Groupement

    person = {"civility": "Mme", "first_name": "Claire", "birth_date": date(1970, 1, 1)}
    for n, urn in enumerate(urns):
        for question in urn.questions.order_by("position"):
            group = Groupement.objects.create(question=question, name=f"Liste {question.kind} {urn.code}",
                                              registration=1)  # fmt: skip
            Candidate.objects.bulk_create(
                [
                    Candidate(
                        question=question,
                        groupement=group,
                        position=i,
                        last_name=f"NOM{i}",
                        **person,
                    )
                    for i in range(1, question.seats + 1)
                ]
            )
            Candidate.objects.create(question=question, registration=2, last_name="SEULE", **person)
        if n % 10:  # nine urns in ten have sealed candidatures
            candidatures.seal(urn)


def build(shape: dict[str, int]) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from scrutin.crypto import dkg
    from scrutin.platform.accounts.roles import setup_roles
    from scrutin.platform.ceremony.models import KeyCeremony
    from scrutin.platform.credentials import services as credentials
    from scrutin.platform.credentials.models import GenerationRun
    from scrutin.platform.electoral import fingerprints
    from scrutin.platform.electoral.models import Urn
    from scrutin.platform.sealing import services as sealing
    from scrutin.record.simulate import run_ceremony

    steps: dict[str, float] = {}

    def step(name: str, work: Callable[[], Any]) -> None:
        start = time.perf_counter()
        work()
        steps[name] = time.perf_counter() - start
        print(f"  {name}: {steps[name]:.1f} s", flush=True)

    step("migrations", lambda: (call_command("migrate", verbosity=0),
                                call_command("migrate", database="ballotbox", verbosity=0), setup_roles()))  # fmt: skip
    step("structure", lambda: _structure(shape["ccis"]))
    step(
        "electors (checker + COPY)", lambda: _electors(cci_sizes(shape["ccis"], shape["electors"]))
    )
    urns = list(Urn.objects.select_related("cci").order_by("code"))
    step("control-list fingerprints", lambda: fingerprints.refresh(urns))

    def issue_credentials() -> None:
        key = credentials.register_recipient(bytes(32), "bench")
        run = GenerationRun.objects.create(cci_code="100", mode="new", status="done", recipient=key)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO credentials_credential (number, cci_code, code_hash, generation, issued_at, run_id) "
                "SELECT number, cci_code, sha256(number::bytea), 1, now(), %s FROM electoral_elector "
                "WHERE hashtext(number) %% 20 <> 0",
                [run.pk],
            )
            cursor.execute("ANALYZE credentials_credential")

    step("credentials (95 %)", issue_credentials)
    step("candidatures", lambda: _candidatures(urns))

    def ceremonies_and_seals() -> None:
        ceremony = dkg.Ceremony("coe-bench", "ristretto255", dkg.TrusteeId("president"),
                                (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
        trustees, _ = run_ceremony(ceremony)
        for i, cci in enumerate(sorted({u.cci_id for u in urns})):
            if i % 20 != 19:
                KeyCeremony.objects.create(cci_id=cci, document=trustees["ceremony"], trustees=trustees,
                                           finalized_at=timezone.now())  # fmt: skip
        now = timezone.now()
        ready = sealing.preconditions(urns)
        for n, urn in enumerate(urns):
            if n % 5 < 2 and not ready[urn.id]:
                sealing.seal_urn(
                    urn, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=2)
                )

    step("key ceremonies and urn seals (40 %)", ceremonies_and_seals)

    def emargements() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO voting_emargement (elector_number, urn_id, voted_at) "
                "SELECT e.number, e.urn_id, now() - (hashtext(e.number) %% 3600) * interval '1 second' "
                "FROM electoral_elector e JOIN sealing_urnseal s ON s.urn_id = e.urn_id "
                "WHERE abs(hashtext(e.number)) %% 5 = 0",
                [],
            )
            cursor.execute("ANALYZE voting_emargement")
            cursor.execute("CREATE TABLE bench_national_shape (shape text)")
            cursor.execute(
                "INSERT INTO bench_national_shape VALUES (%s)", [json.dumps(shape, sort_keys=True)]
            )

    step("émargements (20 % of sealed urns)", emargements)
    return steps


# --- the pages ---------------------------------------------------------------------------------


def _median_ms(work: Callable[[], Any], repeat: int = REPEAT) -> float:
    work()  # warm: templates, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def measure(quick: bool) -> list[tuple[str, float, int, int]]:
    from django.contrib.auth.models import Group, User
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from scrutin.platform.accounts.models import Perimeter
    from scrutin.platform.documents import services as documents
    from scrutin.platform.documents.models import DocumentJob
    from scrutin.platform.electoral.models import Elector, Urn
    from scrutin.platform.voting.models import Emargement

    admin = User.objects.create_user(f"bench-{time.time_ns()}@cci.test")
    admin.groups.add(Group.objects.get(name="ADMIN"))  # the national administrator's role
    Perimeter.objects.create(user=admin, national=True)
    client = Client()
    client.force_login(admin)
    cci = (
        Elector.objects.values("cci_code").order_by("cci_code").first()["cci_code"]
    )  # 100: the largest
    big = Urn.objects.filter(cci_id=cci).order_by("code").first()
    sealed = Urn.objects.filter(seal__isnull=False).order_by("-id").first()
    electors_last = (
        Elector.objects.filter(cci_code=cci)
        .order_by("-number")
        .values_list("number", flat=True)[60]
    )
    voters = (
        Emargement.objects.filter(urn=sealed)
        .order_by("-elector_number")
        .values_list("elector_number", flat=True)
    )
    pages = [
        ("page de connexion (référence)", reverse("electoral:login")),
        ("identifiants : tableau de bord", reverse("credentials:dashboard")),
        ("candidatures : index", reverse("candidates:index")),
        ("pilotage", reverse("control:dashboard")),
        ("pilotage : participation.json", reverse("control:participation-json")),
        ("scellement des urnes", reverse("sealing:index")),
        ("scellement de la plate-forme", reverse("sealing:platform")),
        (f"liste de contrôle CCI {cci} (HTML)", reverse("electoral:control", args=[cci])),
        (f"liste de contrôle CCI {cci} (PDF)", reverse("electoral:control-file", args=[cci, "pdf"])),
        (f"électeurs CCI {cci} : première page", reverse("electoral:electors", args=[cci])),
        (f"électeurs CCI {cci} : dernière page", reverse("electoral:electors", args=[cci]) + "?fin=1"),
        (f"électeurs CCI {cci} : page au milieu", reverse("electoral:electors", args=[cci]) + f"?apres={electors_last}"),
        (f"électeurs urne {big.code} : dernière page", reverse("candidates:electors", args=[big.code]) + "?fin=1"),
        (f"émargement urne {sealed.code} : première page", reverse("control:emargement", args=[sealed.code])),
        (f"émargement urne {sealed.code} : dernière page", reverse("control:emargement", args=[sealed.code]) + "?fin=1"),
        (f"émargement urne {sealed.code} : page au milieu", reverse("control:emargement", args=[sealed.code]) + f"?apres={voters[len(voters) // 2]}"),
    ]  # fmt: skip
    rows = []
    with connection.cursor() as cursor:
        select_1 = _median_ms(lambda: cursor.execute("SELECT 1"), 50)
    rows.append(("SELECT 1 (référence)", select_1, 1, 0))
    for label, url in pages:
        with CaptureQueriesContext(connections["default"]) as queries:
            response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        count = len(queries)  # read now: the next requests clear the log
        ms = _median_ms(lambda u=url: client.get(u))
        rows.append((label, ms, count, len(response.content)))
    # the long PDFs: the request starts a job; the job itself runs on a worker
    start_url = reverse("documents:new", args=[big.code, "liste-electorale"])
    with CaptureQueriesContext(connections["default"]) as queries:
        started = client.post(start_url)
    count = len(queries)
    assert started.status_code == 302, started.status_code
    request_ms = _median_ms(lambda: client.post(start_url))  # later requests join the job
    rows.append(
        (f"PDF liste électorale {big.code} : requête (démarre la tâche)", request_ms, count, 0)
    )
    job = DocumentJob.objects.filter(urn=big, kind="liste-electorale").latest("created_at")
    size = Elector.objects.filter(urn=big).count()
    if not quick or size <= 20000:
        start = time.perf_counter()
        documents.build(job, lambda done, total: None)
        seconds = time.perf_counter() - start
        rows.append(
            (
                f"tâche PDF {size} électeurs ({size / seconds:.0f} électeurs/s)",
                1000 * seconds,
                0,
                job.size,
            )
        )
    return rows


def report(rows: list[tuple[str, float, int, int]]) -> None:
    select_1 = rows[0][1]
    trivial = rows[1][1]
    print(f"\n{'page':62} {'ms':>9} {'×SELECT 1':>10} {'×connexion':>10} {'requêtes':>8} {'Ko':>7}")
    for label, ms, queries, size in rows:
        print(
            f"{label[:62]:62} {ms:9.1f} {ms / select_1:10.0f} {ms / trivial:10.2f} {queries:8d} {size / 1024:7.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30,000 electors, 10 CCIs, 60 urns")
    parser.add_argument("--electors", type=int, help="number of electors (default 2,000,000)")
    parser.add_argument("--rebuild", action="store_true", help="build the data set again")
    args = parser.parse_args()
    shape = {"ccis": 10, "electors": 30_000} if args.quick else {"ccis": 100, "electors": 2_000_000}
    if args.electors:
        shape["electors"] = args.electors
    print(f"national_pages: {shape['electors']:,} electors, {shape['ccis']} CCIs, "
          f"{shape['ccis'] * len(URNS)} urns on {DBNAME}", flush=True)  # fmt: skip
    fresh = prepare_databases(shape, args.rebuild)
    with tempfile.TemporaryDirectory() as var_dir:
        _setup(Path(var_dir))
        if fresh:
            start = time.perf_counter()
            build(shape)
            print(f"data set built in {time.perf_counter() - start:.0f} s", flush=True)
        else:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)  # a newer schema (indexes) on the same data
            print("data set reused (same shape); --rebuild to build it again", flush=True)
        report(measure(args.quick))


if __name__ == "__main__":
    main()
