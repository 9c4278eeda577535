"""Each request of the voter's path does a fixed, small number of queries (issue 15, "assert the
query count of each voter request"): the sign-in page, the sign-in, the birth-date check, the
ballot page and the deposit. The bounds are today's counts; a change that adds a query per
request (an election or seal re-read, a session written twice) fails here and must say why."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from scrutin.platform.credentials.demo import demo_credentials
from scrutin.platform.electoral.models import Urn

from .conftest import ballot_for

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)

# request -> (queries on the electors' database, queries on the ballot box), at most
BOUNDS = {
    "page de connexion": (5, 0),
    "connexion": (6, 0),  # was 11: no key lookup before the session INSERT, no UPDATE after
    "date de naissance": (5, 0),
    "bulletin": (9, 0),  # was 16: seals in one query, candidates in three, elector read once
    "dépôt": (21, 8),  # was 23: seals in one query, session deleted in one statement
}


SQL: dict[str, list[str]] = {}


def counted(name: str, request: Callable[[], HttpResponse]) -> tuple[HttpResponse, int, int]:
    with (
        CaptureQueriesContext(connections["default"]) as main,
        CaptureQueriesContext(connections["ballotbox"]) as box,
    ):
        response = request()
    SQL[name] = [q["sql"][:120] for q in [*main.captured_queries, *box.captured_queries]]
    return response, len(main), len(box)


def test_issue_15_each_voter_request_has_a_bounded_query_count(
    open_urn: Urn, tmp_path: Path
) -> None:
    cache.clear()
    with override_settings(VAR_DIR=tmp_path / "var"):
        number, code, birth = demo_credentials(count_per_cci=1)[0]
    client = Client()
    seen: dict[str, tuple[int, int]] = {}

    def step(name: str, request: Callable[[], HttpResponse], status: int) -> HttpResponse:
        response, main, box = counted(name, request)
        assert response.status_code == status, (name, response.content[:300])
        seen[name] = (main, box)
        return response

    step("page de connexion", lambda: client.get("/vote/"), 200)
    step("connexion", lambda: client.post("/vote/", {"identifiant": number, "code": code}), 302)
    if birth is not None:
        step("date de naissance", lambda: client.post("/vote/date-de-naissance/", {
            "jour": f"{birth:%d}", "mois": f"{birth:%m}", "annee": f"{birth:%Y}"}), 302)  # fmt: skip
    step("bulletin", lambda: client.get("/vote/bulletin/"), 200)
    body = {"bulletin": json.dumps(ballot_for(open_urn))}
    receipt = step("dépôt", lambda: client.post("/vote/depot/", body), 200)
    assert "Votre vote est enregistré" in receipt.content.decode()
    over = {
        n: (c, BOUNDS[n]) for n, c in seen.items() if c[0] > BOUNDS[n][0] or c[1] > BOUNDS[n][1]
    }
    detail = {n: SQL[n] for n in over}
    assert not over, f"more queries than the bound (counted, bound): {over}; their SQL: {detail}"
    print("requêtes par page du parcours de l'électeur (base principale, urne) :", seen)
