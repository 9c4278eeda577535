"""The COE's journal pages (CCTP 4.2.2.1): perimeter, filters, CSV, verification status; and the
journaling of other apps through signals (imports, list changes, sign-ins)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from scrutin.platform.audit.journal import record_event
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral import changes
from scrutin.platform.electoral.models import ElectorChange
from tests.integration.accounts.world import PASSWORD, World, build_world, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_cctp_4_2_2_1_imports_are_journaled_through_signals(world: World) -> None:
    events = list(JournalEntry.objects.order_by("sequence").values_list("event", "cci_code"))
    assert events == [
        ("structure:file:import-init", ""), ("structure:file:import-complete", ""),
        ("electors:file:import-init", ""), ("electors:file:import-complete", "011"),
        ("electors:file:import-init", ""), ("electors:file:import-complete", "974"),
    ]  # fmt: skip
    done = JournalEntry.objects.get(event="electors:file:import-complete", cci_code="011")
    assert done.data["outcome"] == "accepted" and len(done.data["sha256"]) == 64
    assert done.data["run"] == world.own.run


def test_cctp_4_1_2_list_changes_are_journaled_with_their_decision(world: World) -> None:
    cele = make_user("CELE", ["011"])
    changes.remove_elector(world.own.elector, authority=ElectorChange.Authority.CELE,
                           reference="CELE-2026-04", reason="Radiation", user=cele)  # fmt: skip
    entry = JournalEntry.objects.get(event="electors:elector:remove")
    assert (entry.cci_code, entry.actor, entry.actor_role, entry.actor_perimeter) == (
        "011", cele.username, "CELE", "011")  # fmt: skip
    assert entry.urn_code and entry.data["reference"] == "CELE-2026-04"


def test_sign_in_failure_and_sign_out_are_journaled(world: World) -> None:
    coe = make_user("COE", ["011"])
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": coe.username, "password": "faux-mot-de-passe"}
    )
    client.post(reverse("accounts:login"), {"username": "Mot-De-Passe-Tapé", "password": "x"})
    client.post(reverse("accounts:login"), {"username": coe.username, "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    rows = list(JournalEntry.objects.filter(event__startswith="accounts:")
                .order_by("sequence").values_list("event", "actor", "cci_code", "data"))  # fmt: skip
    assert [r[0] for r in rows] == ["accounts:user:login-failed", "accounts:user:login-failed",
                                    "accounts:user:login", "accounts:user:logout"]  # fmt: skip
    assert rows[0][2] == "011" and rows[0][3]["username"] == coe.username
    assert "faux" not in str(rows[0])
    assert "username" not in rows[1][3] and "mot-de-passe" not in str(rows[1]).lower()
    assert len(rows[1][3]["unknown_username_sha256"]) == 16 and rows[1][2] == ""
    assert rows[2][1:3] == (coe.username, "011")


def test_cctp_4_2_2_1_coe_of_011_never_sees_the_entries_of_974(world: World) -> None:
    record_event("urn:seal:create", cci_code="974", urn_code="974C", data={"marker": "secret-974"})
    record_event("urn:seal:create", cci_code="011", urn_code="011C", data={"marker": "visible-011"})
    coe = _client(make_user("COE", ["011"]))
    page = coe.get(reverse("audit:list")).content.decode()
    assert "visible-011" in page and "secret-974" not in page
    for query in ({"cci": "974"}, {"event": "urn:seal:create"}, {"actor": ""}):
        body = coe.get(reverse("audit:list"), query).content.decode()
        assert "secret-974" not in body
        csv_body = coe.get(reverse("audit:csv"), query).getvalue().decode()
        assert "secret-974" not in csv_body
        # No line of CCI 974 (the CCI and urn columns; hashes elsewhere may contain "974" by chance)
        lines = list(csv.DictReader(io.StringIO(csv_body.lstrip("\ufeff")), delimiter=";"))
        assert all(line["cci"] != "974" and not line["urne"].startswith("974") for line in lines)
    national = _client(make_user("ADMIN", national=True))
    assert "secret-974" in national.get(reverse("audit:list")).content.decode()
    national_csv = national.get(reverse("audit:csv")).getvalue().decode()
    assert "secret-974" in national_csv
    rows = list(csv.DictReader(io.StringIO(national_csv.lstrip("\ufeff")), delimiter=";"))
    assert any(row["cci"] == "974" for row in rows)  # the check above does see CCI columns


def test_filters_and_paris_time(world: World) -> None:
    admin = _client(make_user("ADMIN", national=True))
    response = admin.get(
        reverse("audit:list"), {"event": "electors:file:import-complete", "cci": "974"}
    )
    assert response.context["page"].paginator.count == 1
    entry = JournalEntry.objects.get(event="electors:file:import-complete", cci_code="974")
    paris = entry.recorded_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert f"{paris:%d/%m/%Y %H:%M:%S}" in response.content.decode()
    today = paris.date().isoformat()
    assert (
        admin.get(reverse("audit:list"), {"date_from": today, "date_to": today})
        .context["page"]
        .paginator.count
        == 7
    )  # 6 imports, 1 sign-in
    assert (
        admin.get(reverse("audit:list"), {"date_to": "2020-01-01"}).context["page"].paginator.count
        == 0
    )
    bad = admin.get(reverse("audit:list"), {"date_from": today, "date_to": "2020-01-01"})
    assert bad.context["page"].paginator.count == 0 and "postérieure" in bad.content.decode()
    csv_rows = (
        admin.get(reverse("audit:csv"), {"cci": "011"}).getvalue().decode().strip().split("\r\n")
    )
    assert (
        csv_rows[0].lstrip("\ufeff").startswith("numero;horodatage_paris;evenement")
        and len(csv_rows) == 2
    )


def test_journal_needs_the_permission(world: World) -> None:
    assert _client(make_user("CELE", ["011"])).get(reverse("audit:list")).status_code == 403
    assert _client(make_user("SUPPORT", ["011"])).get(reverse("audit:csv")).status_code == 403
    assert Client().get(reverse("audit:list")).status_code == 302


def test_status_shows_tampering_and_full_verification_is_national_only(
    world: World, settings: Any
) -> None:
    coe_user = make_user("COE", ["011"])
    coe = _client(coe_user)
    assert "Chaînage intact" in coe.get(reverse("audit:list")).content.decode()
    assert coe.post(reverse("audit:verify")).status_code == 403
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {JournalEntry._meta.db_table} SET actor = %s WHERE sequence = %s",  # noqa: S608
                       ["intrus", JournalEntry.objects.order_by("-sequence").first().sequence])  # type: ignore[union-attr]  # fmt: skip
    page = coe.get(reverse("audit:list")).content.decode()
    assert "Journal NON intègre" in page and "contenu modifié" in page
    admin = _client(make_user("ADMIN", national=True))
    settings.SCRUTIN_IMPORTS_INLINE = True  # the job runs in the request (jobs.dispatch)
    response = admin.post(reverse("audit:verify"), follow=True)
    page = response.content.decode()
    assert "Journal NON intègre" in page and "La dernière vérification complète a trouvé" in page
    assert "Vérification complète du journal lancée" in page


def test_review_12_journal_offers_the_full_check_and_names_events_in_french(
    world: World, settings: Any
) -> None:
    """Issue 12: no « jamais (commande …) » but a button that runs the check as a job and shows
    its outcome; the event filter and the table show French labels, never the raw codes."""
    admin = _client(make_user("ADMIN", national=True))
    page = admin.get(reverse("audit:list")).content.decode()
    assert "commande" not in page and "scrutin journal verify" not in page
    assert "pas encore faite" in page and "Vérifier tout le journal maintenant" in page
    assert ">Début de l&#x27;import du fichier de structure électorale</td>" in page
    assert (
        '<option value="accounts:user:login">Connexion d&#x27;un gestionnaire au site de gestion</option>'
        in page
    )
    assert (
        ">accounts:user:login<" not in page
        and "<code>structure:file:import-init</code>" not in page
    )
    assert '<optgroup label="Déroulement du scrutin">' in page
    settings.SCRUTIN_IMPORTS_INLINE = True
    page = admin.post(reverse("audit:verify"), follow=True).content.decode()
    assert "pas encore faite" not in page and "entrées, intègre" in page
    filtered = admin.get(reverse("audit:list"), {"event": "structure:file:import-init"})
    assert filtered.context["page"].paginator.count == 1
