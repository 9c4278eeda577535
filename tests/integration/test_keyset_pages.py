"""Long lists are paginated by key (issue 19, item 13): the émargement page showed every voter
of the urn on one page, and the last page of an electors list read and dropped every row before
it (offset pagination). Each page reads its own rows only; CSV and PDF keep the whole list."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, Urn
from scrutin.platform.voting.models import Emargement
from tests.integration.electoral.test_imports import AIN, run_electors, run_structure

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
VOTERS = 230


@pytest.fixture
def officer(tmp_path: Path) -> Client:
    run_structure(tmp_path, [AIN])
    run_electors(tmp_path, list(generate.elector_rows("011", [("C", "")], VOTERS)))
    urn = Urn.objects.get(code="011-C")
    now = timezone.now()
    Emargement.objects.bulk_create(
        Emargement(elector_number=number, urn=urn, voted_at=now - timedelta(seconds=i))
        for i, number in enumerate(Elector.objects.filter(urn=urn).values_list("number", flat=True))
    )
    user = User.objects.create_user("coe", password="Un-mot-de-passe-solide-2026")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_emargements", "manage_electoral_data", "manage_candidates"]))  # fmt: skip
    Perimeter.objects.create(user=user, cci_codes=["011"])
    client = Client()
    client.force_login(user)
    return client


def _numbers(body: str) -> list[str]:
    return re.findall(r"<td>(011\d{10})</td>", body)


def _link(body: str, label: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)">{label}</a>', body)
    return html.unescape(found.group(1)) if found else None


def _walk(client: Client, url: str) -> tuple[list[str], list[int]]:
    """Every row reached by following « Page suivante » from the first page."""
    seen, sizes, link = [], [], ""
    while link is not None:
        body = client.get(url + link).content.decode()
        numbers = _numbers(body)
        seen += numbers
        sizes.append(len(numbers))
        link = _link(body, "Page suivante")
    return seen, sizes


def test_issue_19_13_emargement_page_is_paginated_by_key(officer: Client) -> None:
    url = "/gestion/pilotage/urne/011-C/emargement/"
    everyone = sorted(Emargement.objects.values_list("elector_number", flat=True))
    first = officer.get(url).content.decode()
    assert f"{VOTERS} votants" in first and _numbers(first) == everyone[:100]
    seen, sizes = _walk(officer, url)
    assert seen == everyone and sizes == [100, 100, 30]
    last = officer.get(url + "?fin=1").content.decode()
    assert _numbers(last) == everyone[-100:] and _link(last, "Page suivante") is None
    previous = _link(last, "Page précédente")
    assert previous is not None
    assert _numbers(officer.get(url + previous).content.decode()) == everyone[30:130]
    with CaptureQueriesContext(connections["default"]) as queries:
        officer.get(url + "?apres=" + everyone[150])
    elector_reads = [q["sql"] for q in queries if 'FROM "electoral_elector"' in q["sql"]]
    assert len(elector_reads) == 1 and "IN (" in elector_reads[0]  # this page's voters only
    # the exports keep the whole list
    csv_lines = (
        officer.get("/gestion/pilotage/urne/011-C/emargement.csv").getvalue().decode("utf-8-sig")
    )
    assert len(csv_lines.splitlines()) == VOTERS + 1


def test_issue_19_13_electors_lists_are_paginated_by_key(officer: Client) -> None:
    everyone = sorted(Elector.objects.values_list("number", flat=True))
    for url, size in (
        ("/gestion/cci/011/electeurs/", 50),
        ("/gestion/candidatures/urne/011-C/electeurs/", 100),
    ):
        seen, sizes = _walk(officer, url)
        assert seen == everyone and max(sizes) == size, url
        last = officer.get(url + "?fin=1").content.decode()
        assert _numbers(last) == everyone[-size:], url
        assert f"{VOTERS} électeurs" in last
    # a search stays in the links
    body = officer.get("/gestion/cci/011/electeurs/?q=011").content.decode()
    assert _link(body, "Page suivante") == f"?q=011&apres={everyone[49]}"
