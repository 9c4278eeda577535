"""The material by e-mail and SMS composed in a real Celery worker through Redis (issue 14;
CCTP 5.2.3, 5.2.3.2): the worker draws the codes, and a worker killed (SIGKILL) in the middle of
the dispatch then restarted leaves every elector with exactly one working code — the one in the
last message received — and no elector without one. Needs PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scrutin.platform.electoral.models import Elector
from scrutin.platform.mailing import schedule, tasks
from scrutin.platform.mailing.models import Campaign
from tests.conftest import child_env

from .conftest import Sink
from .test_material import CODE, TOKEN, WITH_MOBILE, SmsEndpoint, login, open_vote, parts, sms

__all__ = ["open_vote", "sms"]  # fixtures used by the tests below
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "ballotbox"]),
    pytest.mark.skipif(
        not (os.environ.get("SCRUTIN_TEST_DATABASE_URL") and os.environ.get("SCRUTIN_REDIS_URL")),
        reason="a worker process needs a shared database server and a broker",
    ),
]
CELERY = [sys.executable, "-m", "celery", "-A", "scrutin.platform"]


@pytest.fixture
def start_worker(
    tmp_path: Path, sink: Sink, sms: SmsEndpoint, settings: Any
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Starts real Celery worker processes sending to the sink and the SMS endpoint, slowly
    (10 e-mails a second) so that one can be killed in the middle of a campaign."""
    settings.SCRUTIN_IMPORTS_INLINE = False
    env = child_env(tmp_path / "worker", SCRUTIN_SMTP_HOST=sink.host, SCRUTIN_SMTP_PORT=str(sink.port),
                    SCRUTIN_SMS_BACKEND="http", SCRUTIN_SMS_URL=sms.url, SCRUTIN_SMS_TOKEN=TOKEN,
                    SCRUTIN_MAIL_RATE="10", SCRUTIN_SMS_RATE="0", SCRUTIN_MAIL_RETRY_SECONDS="0",
                    SCRUTIN_MAIL_LOCK_SECONDS="2", SCRUTIN_SITE_URL="https://vote.exemple.fr",
                    SCRUTIN_BOUNCE_ADDRESS="retours@scrutin.test", SCRUTIN_FROM_EMAIL="elections@scrutin.test")  # fmt: skip
    subprocess.run([*CELERY, "purge", "-f"], env=env, check=True, capture_output=True)
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [*CELERY, "worker", "--pool=solo", "--concurrency=1", "--loglevel=WARNING",
             "--without-heartbeat", "--without-mingle", "--without-gossip"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def wait_until(
    check: Callable[[], bool], worker: subprocess.Popen[bytes], seconds: float = 120
) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert worker.poll() is None, "the Celery worker stopped"
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def last_codes(sink: Sink, sms: SmsEndpoint) -> dict[str, str]:
    """Each elector's code as the last message it received says (SMS or e-mail)."""
    by_address = {e.email: e.number for e in Elector.objects.filter(cci_code="011")}
    codes: dict[str, str] = {}
    for mail in sink.messages:
        found = CODE.search(parts(mail)["text/plain"])
        if found:
            codes[by_address[mail["X-Envelope-To"]]] = found.group(0)
    mobiles = {mobile: number for number, mobile in WITH_MOBILE.items()}
    for request in sms.received:
        codes[mobiles[request["to"]]] = CODE.search(request["text"]).group(0)  # type: ignore[union-attr]
    return codes


def test_cctp_5_2_3_2_worker_killed_mid_dispatch_every_elector_ends_with_one_working_code(
    open_vote: str,
    sink: Sink,
    sms: SmsEndpoint,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    worker = start_worker()
    campaign = schedule.start_dispatch("011", user=None)
    wait_until(lambda: len(sink.messages) >= 10, worker)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its children, mid-campaign
    worker.wait(timeout=30)
    assert len(sink.messages) < 38, "the campaign ended before the kill: nothing was tested"
    time.sleep(2.5)  # the dead loop's lock expires (SCRUTIN_MAIL_LOCK_SECONDS)
    worker = start_worker()
    tasks.run_campaign.delay(campaign.pk)  # what the periodic resume does for a stale campaign

    def finished() -> bool:
        campaign.refresh_from_db()
        return campaign.status == Campaign.Status.DONE

    wait_until(finished, worker)
    codes = last_codes(sink, sms)
    assert len(codes) == 38  # every elector but the two refused addresses has a code
    for number, code in codes.items():
        assert login(number, code), number
    # at most the message being handed over at the kill went twice; its first code is dead
    assert len(sink.messages) <= 38 + 1
