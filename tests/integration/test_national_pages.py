"""National pages do a fixed number of queries whatever the number of urns (issue 19, items 9
and 10: the identifiants dashboard ran 3 counts per CCI, the candidatures index 2 queries per
urn, the pilotage 1 and the sealing page 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connections, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.integration.sealing.conftest import national_admin

from .national import add_cci

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)

PAGES = ("candidates:index", "control:dashboard", "control:participation-json", "sealing:index",
         "sealing:platform", "credentials:dashboard", "electoral:dashboard", "seals:index")  # fmt: skip


def _queries(client: Client) -> dict[str, int]:
    counts = {}
    for name in PAGES:
        reset_queries()  # each request clears the log: count from an empty one
        with CaptureQueriesContext(connections["default"]) as default, \
                CaptureQueriesContext(connections["ballotbox"]) as ballotbox:  # fmt: skip
            response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(default) + len(ballotbox)
    return counts


def test_issue_19_9_10_national_pages_queries_do_not_grow_with_the_urns(tmp_path: Path) -> None:
    client = Client()
    client.force_login(national_admin())
    for i in range(2):
        add_cci(i, tmp_path)
    client.get(reverse("candidates:index"))  # caches filled once (content types, permissions)
    with_6_urns = _queries(client)
    for i in range(2, 4):
        add_cci(i, tmp_path)
    with_12_urns = _queries(client)
    assert with_12_urns == with_6_urns
    assert all(count > 0 for count in with_6_urns.values())
    page = client.get(reverse("sealing:index")).content.decode()
    assert page.count("prête à être scellée") == 4  # the second urn of each CCI
    assert page.count("Les candidatures ne sont pas scellées") == 4  # the third


def test_issue_19_9_credentials_counts_in_one_query_per_page(tmp_path: Path) -> None:
    from scrutin.platform.credentials import services
    from scrutin.platform.electoral.models import Elector

    codes = [add_cci(i, tmp_path) for i in range(3)]
    with CaptureQueriesContext(connections["default"]) as queries:
        counts = services.counts_by_cci([*codes, "999"])
    assert len(queries) == 1
    assert counts["999"] == {"electors": 0, "credentials": 0, "missing": 0}
    for code in codes:
        electors = Elector.objects.filter(cci_code=code).count()
        assert counts[code] == {"electors": electors, "credentials": 0, "missing": electors}
        assert services.counts(code) == counts[code]
