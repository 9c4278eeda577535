"""The sealing pages (CCTP 4.1.4.6, 4.1.4.7, 4.1.4.8): permission and perimeter on each, French
messages, journaled actions; the public seal pages need no sign-in; the control page shows what
is sealed; the voter is told why the vote is not open."""

from __future__ import annotations

import html
import json
from datetime import datetime
from importlib import import_module
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral.models import Urn
from scrutin.platform.sealing import services
from scrutin.platform.sealing.models import PlatformSeal, UrnClosing, UrnSeal
from scrutin.platform.voting.session import SESSION_KEY, signed_in
from tests.integration.accounts.world import make_user

from .conftest import electors_of, national_admin, seal_ain

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)
DATES = {"opens_at": "2026-01-01T08:00", "closes_at": "2099-01-01T18:00"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The page's text with HTML entities decoded (Django escapes apostrophes in variables)."""
    return html.unescape(response.content.decode())


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_cctp_4_1_4_6_president_seals_the_urns_of_his_cci_only(world: dict[str, Urn]) -> None:
    president = make_user("PRESCOE", ["011"], name="president-011@cci.test")
    client = client_for(president)
    page = client.get(reverse("sealing:index"))
    body = text(page)
    assert page.status_code == 200 and "011-C" in body and "974-C" not in body
    assert "prête à être scellée" in body and "Plate-forme : <strong>non scellée</strong>" in body
    refused = client.post(reverse("sealing:index"), {**DATES}, follow=True)
    assert "Choisissez au moins une urne à sceller." in text(refused)
    bad = client.post(
        reverse("sealing:index"), {"urnes": ["011-C"], "opens_at": "demain"}, follow=True
    )
    assert "Indiquez des dates d'ouverture et de clôture valides." in text(bad)
    done = client.post(
        reverse("sealing:index"), {"urnes": ["011-C", "974-C"], **DATES}, follow=True
    )
    assert "Urne 011-C scellée. Empreinte du scellement : " in messages_of(done)
    assert list(UrnSeal.objects.values_list("urn__code", flat=True)) == ["011-C"]  # 974 is not his
    seal = UrnSeal.objects.get()
    assert seal.urn.election.opens_at == datetime(2026, 1, 1, 8, tzinfo=ZoneInfo("Europe/Paris"))
    [entry] = JournalEntry.objects.filter(event="urn:seal:create")
    assert entry.actor == president.username and entry.urn_code == "011-C"


def test_cctp_4_1_4_6_national_dates_replace_the_date_fields(
    world: dict[str, Urn], settings: Any
) -> None:
    settings.SCRUTIN_VOTE_OPENS_AT = "2026-01-01T08:00"
    settings.SCRUTIN_VOTE_CLOSES_AT = "2099-01-01T18:00"
    client = client_for(make_user("PRESCOE", ["011"], name="president-011@cci.test"))
    page = text(client.get(reverse("sealing:index")))
    assert "Dates nationales du vote" in page and 'name="opens_at"' not in page
    client.post(reverse("sealing:index"), {"urnes": ["011-I"]})
    assert UrnSeal.objects.get().urn.code == "011-I"


def test_cctp_4_1_4_6_every_ready_urn_of_the_perimeter_at_once(world: dict[str, Urn]) -> None:
    admin = national_admin()
    client = client_for(admin)
    done = client.post(reverse("sealing:index"), {"action": "toutes", **DATES}, follow=True)
    assert "Urne 011-C scellée" in messages_of(done) and "Urne 011-I scellée" in messages_of(done)
    assert sorted(UrnSeal.objects.values_list("urn__code", flat=True)) == [
        "011-C",
        "011-I",
    ]  # 974 not ready
    again = client.post(reverse("sealing:index"), {"action": "toutes", **DATES}, follow=True)
    assert "Aucune urne de votre périmètre n'est prête à être scellée." in text(again)


def test_an_urn_that_cannot_be_sealed_says_why(world: dict[str, Urn]) -> None:
    client = client_for(make_user("PRESCOE", ["974"], name="president-974@cci.test"))
    body = text(client.get(reverse("sealing:index")))
    assert "La cérémonie des clés de la COE n'est pas terminée." in body
    assert 'value="974-C"' not in body  # no box to tick


def test_cctp_4_1_4_7_platform_pages_are_national(world: dict[str, Urn]) -> None:
    admin_011 = client_for(make_user("ADMIN", ["011"], name="admin-011@cci.test"))
    for name in ("sealing:platform", "sealing:unseal-platform"):
        assert admin_011.get(reverse(name)).status_code == 403
        assert admin_011.post(reverse(name)).status_code == 403
    assert PlatformSeal.objects.count() == 0


def test_cctp_4_1_4_7_national_admin_sees_unsealed_urns_then_seals_and_unseals(
    world: dict[str, Urn],
) -> None:
    admin = national_admin()
    client = client_for(admin)
    from scrutin.platform.ceremony.services import finalized_trustees
    from scrutin.platform.voting.elections import open_election

    opens_at, closes_at = (
        services._moment("2026-01-01T08:00", "o"),
        services._moment("2099-01-01T08:00", "c"),
    )
    open_election(world["011-C"], finalized_trustees("011"), "ristretto255", opens_at, closes_at)  # type: ignore[arg-type]
    page = text(client.get(reverse("sealing:platform")))
    assert "1 urne(s) préparée(s) ne sont pas scellées" in page and "011-C" in page
    refused = client.post(reverse("sealing:platform"), follow=True)
    assert "toutes les urnes doivent l'être avant la plate-forme" in text(refused)
    services.seal_election(world["011-C"].election)
    done = client.post(reverse("sealing:platform"), follow=True)
    assert "Plate-forme scellée (scellement n° 1)" in messages_of(done)
    assert JournalEntry.objects.get(event="platform:seal:create").actor == admin.username
    form = client.post(
        reverse("sealing:unseal-platform"), {"reference": "Décision 7", "reason": "correctif"}
    )
    assert (
        form.status_code == 200 and services.platform_seal_in_force() is not None
    )  # not confirmed
    done = client.post(reverse("sealing:unseal-platform"),
                       {"reference": "Décision 7", "reason": "correctif", "confirm": "on"}, follow=True)  # fmt: skip
    assert "Plate-forme descellée : le vote est interrompu" in messages_of(done)
    assert services.platform_seal_in_force() is None
    assert JournalEntry.objects.get(event="platform:seal:remove").data["reason"] == "correctif"
    assert "descellée le" in text(done)


def test_cctp_4_1_4_8_close_page_needs_permission_and_perimeter(open_vote: dict[str, Urn]) -> None:
    assessor = client_for(make_user("COE", ["011"], name="assesseur-011@cci.test"))
    assert assessor.get(reverse("sealing:close", kwargs={"code": "011-C"})).status_code == 403
    president = make_user("PRESCOE", ["011"], name="president-011@cci.test")
    client = client_for(president)
    assert client.get(reverse("sealing:close", kwargs={"code": "974-C"})).status_code == 403
    assert client.post(reverse("sealing:close", kwargs={"code": "974-C"}),
                       {"reason": "x", "confirm": "on"}).status_code == 403  # fmt: skip
    url = reverse("sealing:close", kwargs={"code": "011-C"})
    assert "Clore et sceller l'urne" in text(client.get(url))
    client.post(url, {"reason": "Décision de la COE", "confirm": ""})
    assert not UrnClosing.objects.exists()  # not confirmed
    done = client.post(url, {"reason": "Décision de la COE du 12/10", "confirm": "on"}, follow=True)
    assert "Urne 011-C close et scellée. Empreinte : " in messages_of(done)
    closing = UrnClosing.objects.get()
    assert (
        closing.closed_by == president
        and closing.document["reason"] == "Décision de la COE du 12/10"
    )
    assert JournalEntry.objects.get(event="voting:urn:close").actor == president.username
    assert "Bulletins dans l'urne" in text(done)


def test_emargement_document_for_the_coe_inside_its_perimeter(open_vote: dict[str, Urn]) -> None:
    from scrutin.platform.voting import cast

    from .conftest import ballot_for

    urn = open_vote["011-C"]
    cast.cast_ballot(electors_of(urn)[0], ballot_for(urn))
    closing = services.close_urn(urn, reason="décision")
    client = client_for(make_user("COE", ["011"], name="assesseur-011@cci.test"))
    response = client.get(reverse("sealing:emargements", kwargs={"code": "011-C"}))
    document = json.loads(response.content)
    from scrutin.crypto.encoding import fingerprint

    assert document["format"] == "scrutin-emargements/v1" and len(document["emargements"]) == 1
    assert fingerprint(document) == closing.emargements_sha256  # the COE can check the seal
    assert client.get(reverse("sealing:emargements", kwargs={"code": "974-C"})).status_code == 403


def test_cctp_4_2_2_2_public_seals_without_signing_in(open_vote: dict[str, Urn]) -> None:
    anonymous = Client()
    closing = services.close_urn(open_vote["011-I"], reason="décision")
    page = text(anonymous.get(reverse("seals:index")))
    platform = PlatformSeal.objects.get()
    assert platform.fingerprint in page and closing.fingerprint in page and "en vigueur" in page
    bundle = anonymous.get(reverse("seals:bundle")).json()
    assert bundle["format"] == "scrutin-seals/v1" and len(bundle["urns"]) == 2
    assert bundle == services.bundle()
    assert (
        anonymous.get(reverse("seals:platform", kwargs={"sequence": 1})).json() == platform.document
    )
    urn_doc = anonymous.get(reverse("seals:urn", kwargs={"code": "011-C"})).json()
    assert urn_doc == UrnSeal.objects.get(urn__code="011-C").document
    assert (
        anonymous.get(reverse("seals:closing", kwargs={"code": "011-I"})).json() == closing.document
    )
    for name, kwargs in (("seals:urn", {"code": "974-C"}), ("seals:closing", {"code": "011-C"}),
                         ("seals:unseal", {"sequence": 1}), ("seals:platform", {"sequence": 2})):  # fmt: skip
        assert anonymous.get(reverse(name, kwargs=kwargs)).status_code == 404
    assert anonymous.post(reverse("seals:bundle")).status_code == 405


def test_cctp_4_1_4_7_control_page_shows_what_is_sealed(world: dict[str, Urn]) -> None:
    client = client_for(make_user("PRESCOE", ["011"], name="president-011@cci.test"))
    seal_ain(world)
    page = text(client.get(reverse("control:dashboard")))
    assert "✖ non scellée : aucun vote n'est possible" in page
    assert "fermée : scellements incomplets" in page and "✔ scellée le" in page
    services.seal_platform()
    page = text(client.get(reverse("control:dashboard")))
    assert "Plate-forme : ✔ scellée (scellement n° 1" in page and "ouverte" in page
    services.close_urn(world["011-C"], reason="décision")
    page = text(client.get(reverse("control:dashboard")))
    assert "close le" in page and "et scellée (0 bulletin(s), 0 émargement(s))" in page


def voter_session(client: Client, number: str) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = signed_in(number)
    store.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key


def test_cctp_4_1_4_6_the_voter_is_told_the_vote_is_not_open(world: dict[str, Urn]) -> None:
    seal_ain(world)
    voter = Client()
    voter_session(voter, electors_of(world["011-C"])[0].number)
    page = voter.get(reverse("voting:ballot"))
    assert page.status_code == 503
    assert "Vote momentanément interrompu" in text(page)
    assert "la plate-forme de vote n'est pas scellée" in text(page)
    services.seal_platform()
    assert voter.get(reverse("voting:ballot")).status_code == 200
