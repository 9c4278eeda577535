"""The support desk's elector search (CCTP 5.1.3.2; issue 14): by number, e-mail or name, inside
the agent's perimeter only, with a bounded answer; on PostgreSQL, through indexes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from scrutin.platform.electoral.models import Elector
from scrutin.platform.support import services
from tests.conftest import on_postgresql
from tests.integration.accounts.world import World, make_user

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def _other(world: World) -> Elector:
    return Elector.objects.get(number=world.other.elector)


def test_cctp_5_1_3_2_agent_of_one_cci_cannot_find_an_elector_of_another(
    world: World, agent_011: User
) -> None:
    other = _other(world)
    Elector.objects.filter(pk=other.pk).update(email="Lucie.Payet@Exemple.test",
                                               usage_name="PAYET-HOAREAU")  # fmt: skip
    client = signed_in(agent_011)
    for query in (other.number, "lucie.payet@exemple.test", "payet-h"):
        page = client.get(reverse("support:search"), {"q": query})
        assert page.status_code == 200
        body = page.content.decode()
        assert f"/electeur/{other.number}/" not in body, query
        assert "Aucun électeur trouvé dans votre périmètre" in body, query
        assert other.company_name not in body, query
    # the card and the resend answer like an unknown number: nothing tells the CCI exists
    assert client.get(reverse("support:elector", args=[other.number])).status_code == 404
    assert client.get(reverse("support:elector", args=["9990000000001"])).status_code == 404
    resend = client.post(reverse("support:resend", args=[other.number]), {"note": "x" * 20})
    assert resend.status_code == 404


def test_cctp_5_1_3_2_national_agent_finds_electors_of_every_cci(
    world: World, national_agent: User
) -> None:
    other = _other(world)
    Elector.objects.filter(pk=other.pk).update(email="Lucie.Payet@Exemple.test")
    client = signed_in(national_agent)
    by_mail = client.get(reverse("support:search"), {"q": " LUCIE.payet@exemple.test "})
    assert other.number in by_mail.content.decode()
    spaced = f"{other.number[:3]} {other.number[3:8]}-{other.number[8:]}"
    assert other.number in client.get(reverse("support:search"), {"q": spaced}).content.decode()
    assert client.get(reverse("support:elector", args=[other.number])).status_code == 200


def test_name_search_matches_the_start_of_usage_family_or_company_name(
    world: World, agent_011: User
) -> None:
    target = Elector.objects.filter(cci_code="011").order_by("number")[1]
    Elector.objects.filter(pk=target.pk).update(
        usage_name="DURAND-MARTIN", family_name="LEBLANC", company_name="BOULANGERIE DU PARC"
    )
    for query in ("durand", "Lebl", "boulangerie du"):
        found = services.search(agent_011, query)
        assert [e.number for e in found.electors] == [target.number], query
        assert found.kind == "name"


def test_search_answers_are_bounded_and_the_agent_is_told_to_refine(
    world: World, national_agent: User
) -> None:
    model = Elector.objects.get(number=world.own.elector)
    for n in range(services.SEARCH_LIMIT + 5):  # more namesakes than one answer shows
        model.pk = f"011{9000000000 + n}"
        model.save(force_insert=True)
    Elector.objects.update(usage_name="MARTIN")
    services_limit = services.SEARCH_LIMIT
    page = signed_in(national_agent).get(reverse("support:search"), {"q": "mar"})
    body = page.content.decode()
    assert body.count('href="/gestion/assistance/electeur/') == services_limit
    assert f"plus de {services_limit} réponses : précisez la recherche" in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("01100000", "Le numéro d'électeur a 13 chiffres ; vous en avez saisi 8."),
        ("du", "Saisissez au moins 3 lettres du nom ou de la raison sociale."),
        ("   ", ""),
    ],
)
def test_a_search_that_cannot_run_says_what_to_type_in_french(
    world: World, agent_011: User, query: str, message: str
) -> None:
    body = signed_in(agent_011).get(reverse("support:search"), {"q": query}).content.decode()
    if message:
        assert message.replace("'", "&#x27;") in body
    assert "électeur trouvé" not in body


def test_support_role_without_a_perimeter_finds_nobody(world: World) -> None:
    stray = make_user("SUPPORT", [], name="sans-perimetre@assistance.test")
    assert services.search(stray, world.own.elector).electors == []


def _fill_on_postgresql(world: World, count: int) -> None:
    """``count`` more electors in CCI 011, with distinct names, e-mails and companies, and fresh
    statistics: the planner's choice on a handful of rows says nothing about a real list."""
    columns = [f.column for f in Elector._meta.concrete_fields]
    varying = {"number": "'011' || lpad((9000000000 + n)::text, 10, '0')",
               "usage_name": "'NOM' || n", "family_name": "'FAMILLE' || n",
               "company_name": "'SOCIETE ' || n", "email": "'e' || n || '@exemple.test'"}  # fmt: skip
    select = ", ".join(varying.get(c, f'"{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    # column names of the model, not input; the values are parameters
    sql = f"INSERT INTO electoral_elector ({names}) SELECT {select} FROM electoral_elector, "  # noqa: S608
    sql += "generate_series(1, %s) AS n WHERE number = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, world.own.elector])
        cursor.execute("ANALYZE electoral_elector")


@pytest.mark.skipif(not on_postgresql(), reason="the expression indexes exist on PostgreSQL only")
@pytest.mark.parametrize(
    ("query", "indexes"),
    [("NOM123", ("support_elector_usage_name_idx", "support_elector_family_name_idx",
                 "support_elector_company_idx")),
     ("e123@exemple.test", ("support_elector_email_idx",)),
     ("0110000000001", ("electoral_elector_pkey", "elector_cci_number_idx",
                        "electoral_elector_number_1c34f637_like"))],
)  # fmt: skip
@pytest.mark.parametrize("national", [False, True])
def test_search_reads_an_index_on_postgresql(
    world: World,
    agent_011: User,
    national_agent: User,
    query: str,
    indexes: tuple[str, ...],
    national: bool,
) -> None:
    """On 30,000 electors, the plan of the search names its index(es) and never scans the
    electors' table, for an agent of one CCI and for a national one."""
    _fill_on_postgresql(world, 30_000)
    _, rows = services.search_rows(national_agent if national else agent_011, query)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on electoral_elector" not in plan, plan
    assert any(index in plan for index in indexes), plan
    if query.startswith("NOM"):  # a name: the usage name, the family name and the company's
        assert all(index in plan for index in indexes), plan
