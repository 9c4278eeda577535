"""The control interface during the vote (issue 8; CCTP 4.1.5, 4.2.2.1, 4.2.5): participation,
émargement lists, suspension, usage indicators — and no vote count anywhere before the close."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.control.models import UsageDay
from scrutin.platform.electoral.models import Urn
from scrutin.platform.voting import cast
from scrutin.platform.voting.models import UrnElection

from .conftest import ballot_for, elector

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
CONTROL_PERMS = ["view_participation", "view_emargements", "suspend_voting", "view_usage"]


def member(name: str, *, national: bool = False, ccis: tuple[str, ...] = ()) -> Client:
    user = User.objects.create_user(name, password="Un-mot-de-passe-solide-2026")
    user.user_permissions.add(*Permission.objects.filter(codename__in=CONTROL_PERMS))
    Perimeter.objects.create(user=user, national=national, cci_codes=list(ccis))
    client = Client()
    client.force_login(user)
    return client


def test_cctp_4_2_2_1_participation_per_urn_cci_region_and_nation(open_urn: Urn) -> None:
    for n in (1, 2, 3):
        cast.cast_ballot(elector(n), ballot_for(open_urn))
    data = member("coe011", ccis=("011",)).get("/gestion/pilotage/participation.json").json()
    assert (data["registered"], data["voters"], data["rate"]) == (20, 3, "15,00")
    region = data["children"][0]
    cci = region["children"][0]
    urn = cci["children"][0]
    assert (
        region["label"] == "Chambre de commerce et d'industrie de région Auvergne-Rhône-Alpes"
    )  # issue 12: the region named
    assert (cci["label"], urn["label"], urn["voters"]) == ("011 — CCI de l'Ain", "011-C", 3)
    other = member("coe974", ccis=("974",)).get("/gestion/pilotage/participation.json").json()
    assert (other["registered"], other["voters"], other["children"]) == (0, 0, [])


def test_cctp_4_1_4_7_emargement_list_csv_pdf_inside_the_perimeter_only(open_urn: Urn) -> None:
    cast.cast_ballot(elector(4), ballot_for(open_urn))
    coe = member("coe011", ccis=("011",))
    lines = (
        coe.get("/gestion/pilotage/urne/011-C/emargement.csv")
        .getvalue()
        .decode("utf-8-sig")
        .splitlines()
    )
    assert lines[0].startswith("numéro d'électeur;nom;prénom")
    assert len(lines) == 2 and lines[1].startswith("0110000000004;")
    pdf = coe.get("/gestion/pilotage/urne/011-C/emargement.pdf")  # built by a job (documents)
    assert pdf.status_code == 302 and pdf.url == "/gestion/documents/urne/011-C/emargement/"
    outsider = member("coe974", ccis=("974",))
    for url in (
        "/gestion/pilotage/urne/011-C/emargement/",
        "/gestion/pilotage/urne/011-C/emargement.csv",
        "/gestion/pilotage/urne/011-C/emargement.pdf",
    ):
        assert outsider.get(url).status_code == 403, url


def test_cctp_4_1_5_suspend_and_resume_with_message_journaled(open_urn: Urn) -> None:
    coe = member("coe011", ccis=("011",))
    response = coe.post("/gestion/pilotage/suspension/", {"urnes": ["011-C"], "action": "suspendre",
                                                          "message": "Incident : reprise à 14 h."})  # fmt: skip
    assert response.status_code == 302
    election = UrnElection.objects.get(urn=open_urn)
    assert election.suspended and election.suspension_message == "Incident : reprise à 14 h."
    with pytest.raises(cast.CastRefused, match="reprise à 14 h"):
        cast.cast_ballot(elector(5), ballot_for(open_urn))
    coe.post("/gestion/pilotage/suspension/", {"urnes": ["011-C"], "action": "reprendre"})
    assert not UrnElection.objects.get(urn=open_urn).suspended
    cast.cast_ballot(elector(5), ballot_for(open_urn))
    events = list(
        JournalEntry.objects.filter(urn_code="011-C")
        .order_by("sequence")
        .values_list("event", flat=True)
    )
    assert events[-2:] == ["voting:election:suspend", "voting:election:resume"]
    assert (
        coe.post(
            "/gestion/pilotage/suspension/", {"urnes": ["011-C"], "action": "suspendre"}
        ).status_code
        == 200
    )


def test_cctp_4_2_5_usage_indicators_are_aggregated_counts(open_urn: Urn) -> None:
    Client().get("/vote/")
    Client().get("/vote/")
    day = UsageDay.objects.get()
    assert (day.visits, day.logins, day.casts) == (2, 0, 0)
    assert {f.name for f in UsageDay._meta.get_fields()} == {
        "day",
        "visits",
        "logins",
        "casts",
        "session_seconds",
    }
    assert member("nat", national=True).get("/gestion/pilotage/indicateurs/").status_code == 200
    assert member("coe011", ccis=("011",)).get("/gestion/pilotage/indicateurs/").status_code == 403


def _patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    out = []
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            out += _patterns(p, route)
        elif isinstance(p, URLPattern):
            out.append(route)
    return out


def test_design_3_3_no_page_or_export_reads_the_ballot_box_before_the_close(open_urn: Urn) -> None:
    """Every URL of the project, fetched by a national superuser during the vote, with ballots
    in the box: not one query reaches the ballot-box database (only the cast writes to it)."""
    for n in (6, 7):
        cast.cast_ballot(elector(n), ballot_for(open_urn))
    admin = User.objects.create_superuser("admin", password="Un-mot-de-passe-solide-2026")
    Perimeter.objects.create(user=admin, national=True)
    client = Client()
    client.force_login(admin)
    values = {"code": "011-C", "number": "0110000000006", "kind": "electors", "pk": "1", "fmt": "csv",
              "what": "candidatures", "direction": "up", "public_id": "00000000-0000-0000-0000-000000000000",
              "uidb64": "x", "token": "x"}  # fmt: skip
    queries: list[str] = []

    def spy(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    visited = 0
    with connections["ballotbox"].execute_wrapper(spy):
        for route in _patterns(get_resolver()):
            url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)
            url = url.replace("^", "").replace("$", "")
            if "/depot/" in url:
                continue  # the cast itself: the only writer
            client.get(url)
            visited += 1
    assert visited > 30
    assert queries == []
