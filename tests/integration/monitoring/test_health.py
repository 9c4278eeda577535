"""Health probes and metrics (issue 18; CCTP 4.2.2.3: incidents detected quickly, traced and
reported to the project committee)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral.models import Urn
from scrutin.platform.monitoring import incidents
from scrutin.platform.voting import cast
from tests.integration.accounts.world import make_user
from tests.integration.voting.conftest import ballot_for, elector, open_urn  # noqa: F401

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
EVENT = "platform:incident:record"


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> Any:
    settings.VAR_DIR = tmp_path  # the incident spool
    settings.SCRUTIN_READINESS_TIMEOUT = 5
    cache.delete_many([f"scrutin:incident:{cause}" for cause in incidents.CAUSES])
    yield
    cache.delete_many([f"scrutin:incident:{cause}" for cause in incidents.CAUSES])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nothing listens


def test_liveness_answers_without_session() -> None:
    response = Client().get("/sante/vivant")
    assert response.status_code == 200
    assert response.content == b"vivant\n"
    assert not response.cookies


def test_readiness_answers_when_databases_redis_and_key_answer() -> None:
    response = Client().get("/sante/pret")
    assert (response.status_code, response.content.decode()) == (200, "prêt\n")
    assert not response.cookies


def test_cctp_4_2_2_3_unreachable_database_fails_readiness_and_is_reported_once(
    monkeypatch: pytest.MonkeyPatch, mailoutbox: list[Any]
) -> None:
    make_user("ADMIN", national=True, name="comite@ccifrance.test")
    make_user("COE", ["011"], name="coe-011@cci.test")
    if connections["ballotbox"].vendor != "postgresql":
        pytest.skip("needs a database server to make unreachable")
    monkeypatch.setitem(connections["ballotbox"].settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connections["ballotbox"].settings_dict, "PORT", closed_port())
    client = Client()
    for _ in range(3):  # the load balancer probes every few seconds: one incident only
        response = client.get("/sante/pret")
        assert response.status_code == 503
        assert response.content.decode() == "non prêt : base « ballotbox » injoignable\n"
    entry = JournalEntry.objects.get(event=EVENT)
    assert entry.data["cause"] == "database" and entry.data["source"] == "readiness"
    assert "ballotbox" in entry.data["detail"]
    assert [m.to for m in mailoutbox] == [["comite@ccifrance.test"]]
    assert mailoutbox[0].subject == "[Scrutin] Incident empêchant le vote"
    assert f"entrée n° {entry.sequence}" in mailoutbox[0].body


def test_cctp_4_2_2_3_incident_waits_on_disk_while_the_journal_database_is_down(
    monkeypatch: pytest.MonkeyPatch, mailoutbox: list[Any]
) -> None:
    make_user("ADMIN", national=True, name="comite@ccifrance.test")
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs a database server to make unreachable")
    connections["default"].close()
    with monkeypatch.context() as patch:
        patch.setitem(connections["default"].settings_dict, "HOST", "127.0.0.1")
        patch.setitem(connections["default"].settings_dict, "PORT", closed_port())
        assert incidents.report("leader-lost", "patroni: pas de leader", source="operator")
        spooled = (incidents.spool_dir() / "spool.jsonl").read_text(encoding="utf-8")
        assert '"cause": "leader-lost"' in spooled
        connections["default"].close()
    assert not JournalEntry.objects.filter(event=EVENT).exists()
    assert Client().get("/sante/pret").status_code == 200  # databases back: the spool flushes
    entry = JournalEntry.objects.get(event=EVENT)
    assert entry.data["cause"] == "leader-lost" and entry.data["detail"] == "patroni: pas de leader"
    assert not (incidents.spool_dir() / "spool.jsonl").exists()
    assert [m.to for m in mailoutbox] == [["comite@ccifrance.test"]]


def test_metrics_are_refused_to_an_address_not_allowed(settings: Any) -> None:
    settings.SCRUTIN_METRICS_ALLOWED = "10.0.0.0/8"
    assert Client(REMOTE_ADDR="192.0.2.7").get("/metriques").status_code == 403
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metriques").status_code == 200
    settings.SCRUTIN_METRICS_ALLOWED = "127.0.0.1,::1"
    assert Client(REMOTE_ADDR="192.0.2.7").get("/metriques").status_code == 403


def _value(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert found, name
    return float(found.group(1))


def test_metrics_list_the_documented_names_after_a_cast(open_urn: Urn) -> None:  # noqa: F811
    before = Client().get("/metriques").content.decode()
    cast.cast_ballot(elector(1), ballot_for(open_urn))
    with pytest.raises(cast.CastRefused):
        cast.cast_ballot(elector(1), ballot_for(open_urn))
    Client().get("/vote/")
    response = Client().get("/metriques")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in ("scrutin_casts_accepted_total", "scrutin_cast_refusals_total",
                 "scrutin_cast_errors_total", "scrutin_request_duration_seconds_bucket",
                 "scrutin_journal_appends_total", "scrutin_celery_tasks_total",
                 "scrutin_celery_queue_depth", "scrutin_replication_lag_seconds",
                 "scrutin_database_up"):  # fmt: skip
        base = re.escape(name.removesuffix("_total").removesuffix("_bucket"))
        assert re.search(rf"^# TYPE {base}(_total)? ", text, re.MULTILINE), name
    accepted = "scrutin_casts_accepted_total"
    assert _value(text, accepted) == _value(before, accepted) + 1
    refused = 'scrutin_cast_refusals_total{reason="already-voted"}'
    assert _value(text, refused) == _value(before, refused) + 1
    assert _value(before, "scrutin_journal_appends_total") >= 2  # the urn and platform seals
    assert 'scrutin_request_duration_seconds_count{kind="voter"' in text
    assert 'scrutin_database_up{database="default"} 1.0' in text
    assert 'scrutin_celery_queue_depth{queue="celery"}' in text


def test_cctp_4_2_2_3_operator_reports_an_incident_with_the_command(
    mailoutbox: list[Any],
) -> None:
    from typer.testing import CliRunner

    from scrutin.cli import main as cli_main

    if not cli_main.app.registered_groups:
        cli_main._register()
    make_user("ADMIN", national=True, name="comite@ccifrance.test")
    args = ["ops", "incident", "--cause", "web-down", "--detail", "HAProxy : 0/2"]
    first = CliRunner().invoke(cli_main.app, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Incident inscrit au journal" in first.output
    again = CliRunner().invoke(cli_main.app, args, catch_exceptions=False)
    assert "déjà été signalé" in again.output
    entry = JournalEntry.objects.get(event=EVENT)
    assert entry.data["cause"] == "web-down" and entry.data["source"] == "operator"
    assert [m.to for m in mailoutbox] == [["comite@ccifrance.test"]]
    unknown = CliRunner().invoke(cli_main.app, ["ops", "incident", "--cause", "x"])
    assert unknown.exit_code == 2
