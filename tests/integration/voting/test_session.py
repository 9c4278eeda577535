"""The voter's session ends (issue 19 items 17–18): a browser-session cookie, an idle limit
and an absolute limit both checked on the server, whatever « Prolonger » is asked."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, override_settings

from scrutin.platform.credentials.demo import demo_credentials
from scrutin.platform.electoral.models import Urn
from scrutin.platform.voting.session import SESSION_KEY

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


@pytest.fixture
def voter(open_urn: Urn, tmp_path: Path) -> Client:
    """A voter of the open urn signed in with a generated credential, at the ballot."""
    cache.clear()
    with override_settings(VAR_DIR=tmp_path / "var"):
        number, code, birth = demo_credentials(count_per_cci=1)[0]
    client = Client()
    login = client.post("/vote/", {"identifiant": number, "code": code})
    assert login.status_code == 302, login.content.decode()
    assert_browser_session_cookie(login)
    if birth is not None:
        client.post("/vote/date-de-naissance/", {"jour": f"{birth:%d}", "mois": f"{birth:%m}",
                                                 "annee": f"{birth:%Y}"})  # fmt: skip
    assert client.get("/vote/bulletin/").status_code == 200
    return client


def assert_browser_session_cookie(response: HttpResponse) -> None:
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie["max-age"] == "" and cookie["expires"] == "", cookie.output()


def move_back(client: Client, **seconds: float) -> None:
    """Pretend the sign-in (``since``) or the last page (``seen``) happened that long ago."""
    session = client.session
    data: dict[str, Any] = session[SESSION_KEY]
    for name, ago in seconds.items():
        data[name] = int(time.time() - ago)
    session[SESSION_KEY] = data
    session.save()


def test_issue_19_18_voter_cookie_ends_with_the_browser_and_idle_limit_is_server_side(
    voter: Client,
) -> None:
    extended = voter.get("/vote/prolonger/")
    assert extended.json()["ok"] is True
    for response in (extended, voter.get("/vote/bulletin/")):
        if settings.SESSION_COOKIE_NAME in response.cookies:
            assert_browser_session_cookie(response)  # never turned into a persistent cookie
    idle = settings.SCRUTIN_VOTER_SESSION_SECONDS
    move_back(voter, seen=idle - 30)
    assert voter.get("/vote/bulletin/").status_code == 200  # still within the idle limit
    move_back(voter, seen=idle + 1)
    expired = voter.get("/vote/bulletin/")
    assert expired.status_code == 302 and expired.url == "/vote/"
    assert voter.get("/vote/prolonger/").json() == {"ok": False, "seconds": 0}


def test_issue_19_17_voter_session_has_an_absolute_limit(voter: Client) -> None:
    limit = settings.SCRUTIN_VOTER_SESSION_MAX_SECONDS
    move_back(voter, since=limit - 300)
    page = voter.get("/vote/bulletin/").content.decode()
    shown = int(page.split('data-session-seconds="', 1)[1].split('"', 1)[0])
    assert 0 < shown <= 300  # the page warns before the absolute end, not after the idle period
    move_back(voter, since=limit - 60)
    near = voter.get("/vote/prolonger/").json()
    assert near["ok"] is True and 0 < near["seconds"] <= 60  # what is left, not a new period
    move_back(voter, since=11 * 3600)  # the finding: started 11 h ago, active a moment ago
    assert voter.get("/vote/prolonger/").json() == {"ok": False, "seconds": 0}
    ballot = voter.get("/vote/bulletin/")
    assert ballot.status_code == 302 and ballot.url == "/vote/"
    refused = voter.post("/vote/depot/", {"bulletin": "{}"})
    assert refused.status_code == 403 and "Votre session a expiré" in refused.content.decode()
