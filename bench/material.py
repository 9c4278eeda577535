"""Benchmark: the voting material by e-mail and SMS through the real engine (issue 14,
CCTP 5.2.3.2), against the test campaign of the same electors in the same run.

Loads N electors of one CCI with the real import, every one with an e-mail address and one in
three with a mobile, opens the vote, then runs inline (one process, as one Celery worker would):

* the **baseline**: the test campaign (CCTP 5.2.3.1) — one e-mail per elector, no credential;
* **ours**: the material campaign — per elector a new code drawn and its HMAC stored (generation
  + 1), the notice rendered, the code by SMS + the rest by e-mail (or everything by e-mail).

Both hand their messages to a local aiosmtpd sink and a local HTTP SMS endpoint that only
count. Prints messages per second and electors per second of each and the ratio ours/baseline,
then checks a sample of the codes received against the stored hashes.

    .venv/bin/python bench/material.py            # 20,000 electors
    .venv/bin/python bench/material.py --quick    # 2,000 electors

Uses ``SCRUTIN_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/scrutin_bench_material``); that database and its
``_ballotbox`` twin are dropped and re-created.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
URL = os.environ.get(
    "SCRUTIN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scrutin_bench_material"
)
DBNAME = URL.rsplit("/", 1)[1]
CCI = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5)])
CODE = re.compile(rb"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}")


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.samples: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()

    def add(self, to: str, body: bytes) -> None:
        with self.lock:
            self.count += 1
            if len(self.samples) < 50:
                self.samples.append((to, body))


def smtp_sink(counter: Counter) -> Any:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            counter.add(envelope.rcpt_tos[0], envelope.content)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def sms_endpoint(counter: Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            counter.add(body["to"], body["text"].encode())
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"id": "x"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def setup_database(folder: Path, count: int) -> None:
    for name in (DBNAME, DBNAME + "_ballotbox"):
        with psycopg.connect(URL, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate", database="ballotbox", verbosity=0)
    from django.utils import timezone

    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import Elector, ImportRun, Urn
    from scrutin.platform.material.models import DispatchSettings
    from scrutin.platform.voting.models import UrnElection

    structure = folder / "structure.csv"
    generate.write_csv(structure, generate.STRUCTURE_HEADER, generate.structure_rows([CCI]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(structure))
    )
    rows = []
    for n, row in enumerate(generate.elector_rows("011", [("C", ""), ("I", "")], count), 1):
        row[35], row[36] = f"electeur{n}@exemple.fr", (f"06{n:08d}" if n % 3 == 0 else "")
        rows.append(row)
    path = folder / "electeurs.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER, rows)
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="e", path=str(path))
    )
    assert run.status == "accepted", list(run.issues.all()[:3])
    assert Elector.objects.exclude(email="").count() == count
    DispatchSettings.objects.create(cci_code="011", electronic=True)
    from scrutin.platform.material import emailset
    from scrutin.platform.material.channels import electronic_numbers
    from scrutin.platform.material.models import IssuedKit

    emailset.record("011", IssuedKit.Kind.MAIN, sha256="a" * 64, fingerprint="b" * 64,
                    numbers=electronic_numbers("011"), user=None)  # C6: the kit's e-mail set  # fmt: skip
    now = timezone.now()
    for urn in Urn.objects.filter(cci_id="011"):
        UrnElection.objects.create(urn=urn, params={}, fingerprint=f"{urn.code:0>64}"[-64:],
                                   opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1))  # fmt: skip


def timed(kind: str, mail: Counter, sms: Counter) -> dict[str, float]:
    from scrutin.platform.mailing import schedule, services

    mail.count = sms.count = 0
    start = time.perf_counter()
    if kind == "material":
        campaign = schedule.start_dispatch("011", user=None)
    else:
        campaign = services.start_campaign("test", "011", None, user=None)
    seconds = time.perf_counter() - start
    campaign.refresh_from_db()
    assert campaign.status == "done", campaign.message
    electors = campaign.messages.values("elector_number").distinct().count()
    return {"seconds": seconds, "electors": electors, "emails": mail.count, "sms": sms.count}


def check_codes(mail: Counter, sms: Counter) -> int:
    from scrutin.platform.credentials.services import authenticate
    from scrutin.platform.electoral.models import Elector

    by_email = dict(Elector.objects.values_list("email", "number"))
    by_mobile = dict(Elector.objects.exclude(mobile_e164="").values_list("mobile_e164", "number"))
    checked = 0
    for to, body in mail.samples + sms.samples:
        found = CODE.search(body)
        number = by_email.get(to) or by_mobile.get(to)
        if found and number:
            assert authenticate(number, found.group(0).decode()) is not None, number
            checked += 1
    return checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 electors")
    parser.add_argument("--electors", type=int, default=None)
    args = parser.parse_args()
    count = args.electors or (2_000 if args.quick else 20_000)
    mail, sms = Counter(), Counter()
    controller, endpoint = smtp_sink(mail), sms_endpoint(sms)
    folder = Path(tempfile.mkdtemp(prefix="bench-material-"))
    os.environ.update({
        "SCRUTIN_DATABASE_URL": URL, "SCRUTIN_BALLOTBOX_DATABASE_URL": URL + "_ballotbox",
        "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings", "SCRUTIN_VAR_DIR": str(folder),
        "SCRUTIN_CREDENTIAL_PEPPER": "bench-" + "0" * 58, "SCRUTIN_SMTP_HOST": "127.0.0.1",
        "SCRUTIN_SMTP_PORT": str(controller.port), "SCRUTIN_SMS_BACKEND": "http",
        "SCRUTIN_SMS_URL": f"http://127.0.0.1:{endpoint.server_port}/", "SCRUTIN_MAIL_RATE": "0",
        "SCRUTIN_SMS_RATE": "0", "SCRUTIN_FROM_EMAIL": "elections@exemple.fr",
    })  # fmt: skip
    for name in ("SCRUTIN_TEST_DATABASE_URL", "SCRUTIN_REDIS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.conf import settings

    settings.SCRUTIN_IMPORTS_INLINE = True  # the send loop runs here, as in one worker
    print(f"Loading {count} electors into {DBNAME} …", flush=True)
    setup_database(folder, count)
    base = timed("test", mail, sms)
    ours = timed("material", mail, sms)
    checked = check_codes(mail, sms)
    controller.stop()
    endpoint.shutdown()
    messages = ours["emails"] + ours["sms"]
    print(
        f"baseline, test campaign : {base['electors']:.0f} electors, {base['emails']:.0f} e-mails "
        f"in {base['seconds']:.1f} s = {base['emails'] / base['seconds']:.0f} e-mails/s"
    )
    print(
        f"material campaign       : {ours['electors']:.0f} electors, {ours['emails']:.0f} e-mails + "
        f"{ours['sms']:.0f} SMS in {ours['seconds']:.1f} s = {ours['electors'] / ours['seconds']:.0f} "
        f"electors/s, {messages / ours['seconds']:.0f} messages/s"
    )
    ratio = (ours["seconds"] / ours["electors"]) / (base["seconds"] / base["electors"])
    print(f"ratio ours / baseline (time per elector): {ratio:.2f}")
    print(f"codes received and checked against the stored hashes: {checked}")


if __name__ == "__main__":
    main()
