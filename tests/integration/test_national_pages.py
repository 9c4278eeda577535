"""National pages do a fixed number of queries whatever the number of urns (issue 19, items 9
and 10: the identifiants dashboard ran 3 counts per CCI, the candidatures index 2 queries per
urn, the pilotage 1 and the sealing page 5)."""

from __future__ import annotations

from datetime import timedelta
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


def test_issue_19_9_credentials_counts_kept_and_recounted_when_something_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrutin.platform.credentials import services
    from scrutin.platform.electoral import changes
    from scrutin.platform.electoral.models import Elector

    monkeypatch.setattr(services, "RECOUNT_MARGIN", timedelta(0))  # no change in flight here
    codes = [add_cci(i, tmp_path) for i in range(3)]
    first = services.counts_by_cci([*codes, "999"])
    assert first["999"] == {"electors": 0, "credentials": 0, "missing": 0}
    for code in codes:
        electors = Elector.objects.filter(cci_code=code).count()
        assert first[code] == {"electors": electors, "credentials": 0, "missing": electors}
    with CaptureQueriesContext(connections["default"]) as queries:
        assert services.counts_by_cci(codes) == {c: first[c] for c in codes}
    assert not [q for q in queries if "electoral_elector" in q["sql"]]  # nothing recounted
    key = services.register_recipient(bytes(range(32)), "opérateur")
    services.generate(services.new_run(codes[0], "new", recipient=key))
    gone = Elector.objects.filter(cci_code=codes[1]).order_by("number").first()
    assert gone is not None
    changes.remove_elector(gone.number, authority="cele", reference="R", reason="Radiation")
    after = services.counts_by_cci(codes)
    assert after == services.exact_counts(codes)
    assert (
        after[codes[0]]["missing"] == 0
        and after[codes[0]]["credentials"] == first[codes[0]]["electors"]
    )
    assert after[codes[1]]["electors"] == first[codes[1]]["electors"] - 1
    assert after[codes[2]] == first[codes[2]]
