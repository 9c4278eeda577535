"""SMS through the provider interface (issue 14, CCTP 5.2.3.2): the HTTP backend against a local
HTTP server that records what it receives and checks the token; the file backend of the demo;
the send loop with a composer that sends the identifier by e-mail and the code by SMS."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scrutin.platform.mailing import composers, services
from scrutin.platform.mailing.composers import Outgoing
from scrutin.platform.mailing.models import Campaign, Message
from scrutin.platform.mailing.sms import FileSmsBackend, HttpSmsBackend, get_backend

from .conftest import Sink

TOKEN = "jeton-de-test"
REFUSED = "+33600000003"
FLAKY = "+33600000005"


class Provider(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    flaky_seen: set[str]

    def do_POST(self) -> None:  # http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._reply(401, {"error": "unauthorized"})
        if body["to"] == REFUSED:
            return self._reply(400, {"error": "invalid number"})
        if body["to"] == FLAKY and FLAKY not in self.flaky_seen:
            self.flaky_seen.add(FLAKY)
            return self._reply(503, {"error": "busy"})
        self.received.append(body)
        return self._reply(200, {"id": f"sms-{len(self.received)}"})

    def _reply(self, code: int, payload: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider(settings: Any) -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []
    handler = type("Recording", (Provider,), {"received": received, "flaky_seen": set()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SCRUTIN_SMS_BACKEND = "http"
    settings.SCRUTIN_SMS_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SCRUTIN_SMS_TOKEN = TOKEN
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def test_http_backend_posts_json_with_the_token_and_keeps_the_provider_id(
    provider: list[dict[str, Any]],
) -> None:
    outcome = get_backend().send("+33612345678", "Votre code : 1234")
    assert outcome.sent and outcome.reference == "sms-1"
    assert provider == [{"to": "+33612345678", "text": "Votre code : 1234", "sender": ""}]


def test_http_backend_wrong_token_is_a_temporary_failure_not_a_bad_number(
    provider: list[dict[str, Any]], settings: Any
) -> None:
    outcome = HttpSmsBackend(settings.SCRUTIN_SMS_URL, "mauvais").send("+33612345678", "x")
    assert not outcome.sent and not outcome.permanent
    assert "jeton" in outcome.diagnostic and provider == []


def test_http_backend_refused_number_is_permanent(provider: list[dict[str, Any]]) -> None:
    outcome = get_backend().send(REFUSED, "x")
    assert (outcome.sent, outcome.permanent, outcome.diagnostic) == (
        False,
        True,
        "Numéro refusé par le prestataire SMS (code 400).",
    )


def test_http_backend_unreachable_provider_is_temporary() -> None:
    outcome = HttpSmsBackend("http://127.0.0.1:9/sms", TOKEN).send("+33612345678", "x")
    assert not outcome.sent and not outcome.permanent and outcome.diagnostic


def test_every_backend_honours_the_interface(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    backend = FileSmsBackend(tmp_path / "sms.jsonl")
    assert backend.send("+33612345678", "Bonjour").sent
    (line,) = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert json.loads(line)["to"] == "+33612345678"
    settings.SCRUTIN_SMS_BACKEND = "console"
    assert get_backend().send("+33612345678", "Bonjour").sent
    assert "SMS pour +33612345678" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_cctp_5_2_3_2_identifier_by_email_and_code_by_sms_through_the_loop(
    electors: dict[str, int], sink: Sink, provider: list[dict[str, Any]]
) -> None:
    """Two channels for one elector (the CNIL's advice): the loop hands each to its backend,
    retries the provider's 503 and records its refusal, with the provider's id per SMS."""
    mobiles = {"9740000000001": "+33600000001", "9740000000003": REFUSED, "9740000000005": FLAKY}
    calls: list[str] = []

    @composers.composer("sms-demo")
    def compose(campaign: Campaign, elector: Any) -> list[Outgoing]:
        calls.append(elector.number)
        return [Outgoing("email", elector.email, "Votre identifiant", f"Identifiant : {elector.number}"),
                Outgoing("sms", mobiles[elector.number], "", "Votre code secret : 000000")]  # fmt: skip

    try:
        campaign = services.start_campaign("sms-demo", "974", list(mobiles), user=None)
    finally:
        composers._REGISTRY.pop("sms-demo")
    campaign.refresh_from_db()
    assert campaign.status == "done"
    sms = {m.elector_number: m for m in Message.objects.filter(campaign=campaign, channel="sms")}
    assert {n: m.status for n, m in sms.items()} == {
        "9740000000001": "sent",
        "9740000000003": "refused",
        "9740000000005": "sent",
    }
    assert sms["9740000000001"].provider_id.startswith("sms-")
    assert sms["9740000000003"].last_error == "Numéro refusé par le prestataire SMS (code 400)."
    assert sorted(r["to"] for r in provider) == ["+33600000001", FLAKY]
    # the e-mail of the elector whose SMS was retried left once: its channel was already handed over
    assert len(sink.messages) == 3
    assert calls.count("9740000000005") == 2
    assert (campaign.total, campaign.sent, campaign.refused) == (6, 5, 1)
    assert [m.channel for m in services.status_of("9740000000003")] == ["email", "sms"]
