"""Voting material by e-mail and SMS at the opening, resend by e-mail, reminders (issue 14;
CCTP 4.1.4.1, 5.2.3, 5.2.3.2, 5.1.3.3), through a real SMTP server (aiosmtpd) and a local HTTP
server standing for the SMS provider; the codes received are used to log in on the voting site."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.apps import apps
from django.db import connections
from django.test import Client
from django.utils import timezone

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.credentials.models import Credential
from scrutin.platform.electoral.models import Elector, Urn
from scrutin.platform.mailing import material, schedule
from scrutin.platform.mailing.models import Bounce, Campaign, Message
from scrutin.platform.material import emailset
from scrutin.platform.material.channels import electronic_numbers
from scrutin.platform.material.models import DispatchSettings, IssuedKit
from scrutin.platform.voting.models import Emargement, UrnElection

from .conftest import Sink

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "ballotbox"])
CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")
TOKEN = "jeton-sms-de-test"
WITH_MOBILE = {"0110000000001": "+33612345601", "0110000000002": "+33612345602"}


class SmsEndpoint:
    """A local HTTP server standing for the SMS provider: records every authorised request."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.send_response(401)
                    self.end_headers()
                    return
                endpoint.received.append(json.loads(body))
                reply = json.dumps({"id": f"sms-{len(endpoint.received)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, number: str) -> list[str]:
        return [r["text"] for r in self.received if r["to"] == number]


@pytest.fixture
def sms(settings: Any) -> Iterator[SmsEndpoint]:
    endpoint = SmsEndpoint()
    settings.SCRUTIN_SMS_BACKEND, settings.SCRUTIN_SMS_URL = "http", endpoint.url
    settings.SCRUTIN_SMS_TOKEN, settings.SCRUTIN_SMS_RATE = TOKEN, 0
    settings.SCRUTIN_SITE_URL = "https://vote.exemple.fr"
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def set_window(cci: str, opens_in: timedelta, closes_in: timedelta) -> None:
    """The vote window of every urn of the CCI (the dispatch reads only the dates)."""
    now = timezone.now()
    for urn in Urn.objects.filter(cci_id=cci):
        UrnElection.objects.update_or_create(urn=urn, defaults={
            "params": {}, "fingerprint": f"{urn.code:0>64}"[-64:],
            "opens_at": now + opens_in, "closes_at": now + closes_in})  # fmt: skip


def freeze_kit(cci: str) -> IssuedKit:
    """Record the CCI's main kit as issued with today's e-mail set (contract C6; the signed
    file itself is tested in tests/integration/material/)."""
    return emailset.record(cci, IssuedKit.Kind.MAIN, sha256="a" * 64, fingerprint="b" * 64,
                           numbers=electronic_numbers(cci), user=None)  # fmt: skip


@pytest.fixture
def open_vote(electors: dict[str, int], sms: SmsEndpoint) -> str:
    """CCI 011 chose the material by e-mail, its kit was issued, its vote is open, two
    electors have a mobile."""
    Elector.objects.update(mobile_e164="")
    for number, mobile in WITH_MOBILE.items():
        Elector.objects.filter(number=number).update(mobile_e164=mobile)
    DispatchSettings.objects.create(cci_code="011", electronic=True)
    freeze_kit("011")
    set_window("011", -timedelta(minutes=5), timedelta(days=2))
    return "011"


def subject(mail: Any) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def parts(mail: Any) -> dict[str, str]:
    return {p.get_content_type(): p.get_payload(decode=True).decode()
            for p in mail.walk() if not p.is_multipart()}  # fmt: skip


def login(number: str, code: str) -> bool:
    """The HTTP login of the voting site, both steps (birth date when the list has one)."""
    client = Client()
    answer = client.post("/vote/", {"identifiant": number, "code": code})
    if answer.status_code != 302:
        return False
    elector = Elector.objects.get(number=number)
    if elector.birth_date is None:
        return answer["Location"].endswith("/vote/bulletin/")
    born = elector.birth_date
    answer = client.post("/vote/date-de-naissance/", {"jour": f"{born.day:02d}",
                         "mois": f"{born.month:02d}", "annee": str(born.year)})  # fmt: skip
    return answer.status_code == 302 and answer["Location"].endswith("/vote/bulletin/")


def test_cctp_5_2_3_2_code_by_sms_identifier_by_email_and_the_elector_logs_in(
    open_vote: str, sink: Sink, sms: SmsEndpoint
) -> None:
    campaign = schedule.start_dispatch("011", user=None)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DONE, campaign.message
    number, mobile = next(iter(WITH_MOBILE.items()))
    (text,) = sms.to(mobile)
    code = CODE.search(text).group(0)  # type: ignore[union-attr]
    assert number not in text  # the identifier is not in the SMS
    (mail,) = sink.to(Elector.objects.get(number=number).email)
    for body in parts(mail).values():
        assert number in body and "vote.exemple.fr/vote/" in body
        assert "par SMS" in body and "finit par 01" in body
        assert not CODE.search(body)  # the code is not in the e-mail
    assert login(number, code)
    assert not login(number, "AAAAA-BBBBB-CCCCC")


def test_cctp_5_2_3_2_without_mobile_everything_by_email_with_dates_and_support(
    open_vote: str, sink: Sink, sms: SmsEndpoint
) -> None:
    schedule.start_dispatch("011", user=None)
    elector = Elector.objects.select_related("urn").get(number="0110000000004")
    (mail,) = sink.to(elector.email)
    assert subject(mail) == "Élections de la CCI de l'Ain : votre matériel de vote"
    bodies = parts(mail)
    assert set(bodies) == {"text/plain", "text/html"}
    text = bodies["text/plain"]
    code = CODE.search(text).group(0)  # type: ignore[union-attr]
    assert (
        elector.number in text and elector.urn.cci_phone in text and elector.urn.cci_email in text
    )
    opens = timezone.localtime(elector.urn.election.opens_at)
    assert f"{opens:%Y} à {opens.hour} h {opens:%M}" in text  # Paris time, plain French
    assert ("date de naissance" in text) == (elector.birth_date is not None)
    assert sms.to(elector.mobile_e164 or "none") == []
    assert login(elector.number, code)


def test_cctp_5_2_3_no_code_in_the_databases_messages_journal_or_logs(
    open_vote: str, sink: Sink, sms: SmsEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    schedule.start_dispatch("011", user=None)
    received = {CODE.search(parts(m)["text/plain"]) for m in sink.messages}
    found = {m.group(0) for m in received if m} | {
        CODE.search(r["text"]).group(0) for r in sms.received
    }  # type: ignore[union-attr]
    assert len(found) == 38  # 40 electors, 2 addresses refused by the server, 2 codes by SMS
    secrets = found | {c.replace("-", "") for c in found}
    dump = []
    for alias in ("default", "ballotbox"):
        with connections[alias].cursor() as cursor:
            for model in apps.get_models():
                table = model._meta.db_table
                if table not in connections[alias].introspection.table_names(cursor):
                    continue
                cursor.execute(f"SELECT * FROM {connections[alias].ops.quote_name(table)}")  # noqa: S608
                dump.append(repr(cursor.fetchall()))
    ours = [
        r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")
    ]  # the sink's own
    text = "\n".join(dump + ours)
    assert Message.objects.filter(campaign__kind="material").count() == 42
    assert not [s for s in secrets if s in text]


def test_cctp_4_1_4_1_refused_before_the_opening_then_sent_by_dispatch_due_once(
    open_vote: str, sink: Sink
) -> None:
    set_window("011", timedelta(hours=1), timedelta(days=2))
    schedule.schedule("011", user=None)
    with pytest.raises(schedule.DispatchRefused, match="pas avant"):
        schedule.start_dispatch("011", user=None)
    assert schedule.dispatch_due() == [] and sink.messages == []
    set_window("011", -timedelta(seconds=1), timedelta(days=2))
    ((cci, campaign),) = schedule.dispatch_due()
    assert cci == "011" and isinstance(campaign, Campaign)
    assert schedule.dispatch_due() == []  # idempotent: the timer may run every minute
    with pytest.raises(schedule.DispatchRefused, match="déjà été envoyé"):
        schedule.start_dispatch("011", user=None)
    assert len(sink.messages) == 38
    events = list(
        JournalEntry.objects.filter(event__startswith="mailing:material")
        .order_by("sequence")
        .values_list("event", "data")
    )
    assert [e for e, _ in events] == ["mailing:material:schedule", "mailing:material:dispatch"]
    assert events[1][1]["scheduled"] is True


def test_c6_recipients_are_the_kit_set_not_a_recomputation(open_vote: str, sink: Sink) -> None:
    kit_set = set(emailset.numbers_of(emailset.latest_main("011")))  # type: ignore[arg-type]
    Bounce.objects.create(cci_code="011", elector_number="0110000000005", address="x@y.fr",
                          source="dsn", diagnostic="inconnu", received_at=timezone.now())  # fmt: skip
    chosen = set(material.electronic_electors("011").values_list("number", flat=True))
    assert chosen == kit_set and "0110000000005" in chosen  # bounced after the kit: still in
    assert "0110000000005" not in electronic_numbers("011")  # a recomputation would drop it
    DispatchSettings.objects.filter(cci_code="011").update(electronic=False)
    assert set(material.electronic_electors("011").values_list("number", flat=True)) == kit_set
    IssuedKit.objects.all().delete()
    assert not material.electronic_electors("011").exists()
    with pytest.raises(schedule.DispatchRefused, match="Aucun kit d'impression"):
        schedule.start_dispatch("011", user=None)


def test_cctp_5_1_3_3_resend_kills_the_old_code_and_sends_the_new_one_by_email_only(
    open_vote: str, sink: Sink, sms: SmsEndpoint
) -> None:
    schedule.start_dispatch("011", user=None)
    number, mobile = next(iter(WITH_MOBILE.items()))
    old = CODE.search(sms.to(mobile)[0]).group(0)  # type: ignore[union-attr]
    email = Elector.objects.get(number=number).email
    message = material.resend_material(number, user=None, reason="Courriel perdu")
    assert message.channel == "email" and message.elector_number == number
    assert len(sms.to(mobile)) == 1  # nothing more by SMS (CCTP 5.1.3.3: e-mail only)
    resent = sink.to(email)[-1]
    assert subject(resent).endswith("votre nouveau matériel de vote")
    new = CODE.search(parts(resent)["text/plain"]).group(0)  # type: ignore[union-attr]
    assert new != old and not login(number, old) and login(number, new)
    entry = JournalEntry.objects.get(event="mailing:material:resend")
    assert entry.data["number"] == number and entry.data["reason"] == "Courriel perdu"
    assert old not in json.dumps(entry.data) and new not in json.dumps(entry.data)


def test_reminder_goes_to_those_who_have_not_voted_without_any_code(
    open_vote: str, sink: Sink
) -> None:
    voted = ["0110000000001", "0110000000002", "0110000000004"]
    for number in voted:
        elector = Elector.objects.get(number=number)
        Emargement.objects.create(
            elector_number=number, urn_id=elector.urn_id, voted_at=timezone.now()
        )
    before = {n: bytes(c) for n, c in Credential.objects.values_list("elector_id", "code_hash")}
    campaign = schedule.start_reminder("011", user=None)
    assert campaign.total == 37
    reached = {m["X-Envelope-To"] for m in sink.messages}
    assert not reached & set(
        Elector.objects.filter(number__in=voted).values_list("email", flat=True)
    )
    assert len(reached) == 35  # 37 minus the two addresses the server refuses
    for mail in sink.messages:
        assert not CODE.search(parts(mail)["text/plain"])
        assert "pas encore voté" in subject(mail)
    after = {n: bytes(c) for n, c in Credential.objects.values_list("elector_id", "code_hash")}
    assert after == before  # no credential touched
    assert JournalEntry.objects.filter(event="mailing:reminder:decide", cci_code="011").count() == 1
    set_window("011", -timedelta(days=2), -timedelta(minutes=1))
    with pytest.raises(schedule.DispatchRefused, match="vote clos"):
        schedule.start_reminder("011", user=None)
