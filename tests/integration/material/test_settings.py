"""The COE's dispatch choices (CCTP 5.2.2, 5.2.2.1, 5.2.2.2): the form, its French errors, the
journal of every change, and the lock once the BAT is approved."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.material.models import DispatchSettings

from .conftest import ADDRESS, REROUTE, SETTINGS, approve, client_for, text

pytestmark = pytest.mark.django_db

URL = "/gestion/materiel/cci/011/expedition/"


def test_cctp_5_2_2_coe_choice_saved_and_journaled_with_old_and_new_values(
    president: User,
) -> None:
    client = client_for(president)
    page = client.get(URL)
    assert page.status_code == 200
    response = client.post(URL, SETTINGS)
    assert response.status_code == 302
    row = DispatchSettings.objects.get(cci_code="011")
    assert (row.mode, row.batch_size, row.electronic) == ("reroute", 500, False)
    assert row.reroute_lines == REROUTE.splitlines() and row.updated_by == president
    client.post(URL, {**SETTINGS, "mode": "direct", "batch_size": "2000", "reroute_address": ""})
    entries = list(
        JournalEntry.objects.filter(event="material:settings:update").order_by("sequence")
    )
    assert [e.cci_code for e in entries] == ["011", "011"]
    assert entries[0].actor == president.username and entries[0].data["first"] is True
    second = {c["choix"]: (c["avant"], c["après"]) for c in entries[1].data["changes"]}
    assert second == {  # in words a reader of the journal understands, unchanged ones omitted
        "mode d'expédition": ("Envoi à la COE, qui réachemine les courriers",
                              "Envoi direct aux électeurs"),
        "courriers par lot": (500, 2000),
        "adresse de livraison à la COE": (" / ".join(REROUTE.splitlines()), "(vide)"),
    }  # fmt: skip
    client.post(URL, {**SETTINGS, "mode": "direct", "batch_size": "2000", "reroute_address": ""})
    assert JournalEntry.objects.filter(event="material:settings:update").count() == 2


@pytest.mark.parametrize(("change", "field", "error"), [
    ({"reroute_address": ""}, "reroute_address", "Indiquez l'adresse où la COE reçoit"),
    ({"reroute_address": "COE\n" + "x" * 39}, "reroute_address", "ligne 2 : 39 caractères, 38 au maximum"),
    ({"return_address": "\n".join(["ligne"] * 7)}, "return_address", "7 lignes, 6 au maximum"),
    ({"return_address": ""}, "return_address", "Indiquez l'adresse de la CCI"),
    ({"batch_size": "49"}, "batch_size", "au moins 50"),
    ({"batch_size": "10001"}, "batch_size", "au plus 10000"),
    ({"batch_size": "mille"}, "batch_size", "nombre entier"),
])  # fmt: skip
def test_cctp_5_2_2_1_bad_choice_refused_with_a_french_error_naming_the_field(
    president: User, change: dict[str, str], field: str, error: str
) -> None:
    response = client_for(president).post(URL, {**SETTINGS, **change})
    assert response.status_code == 200
    assert any(error in e for e in response.context["form"].errors[field]), response.context[
        "form"
    ].errors
    assert not DispatchSettings.objects.filter(cci_code="011").exists()


def test_cctp_5_2_2_settings_locked_once_the_bat_is_approved(president: User) -> None:
    client = client_for(president)
    client.post(URL, SETTINGS)
    approve(president)
    page = text(client.get(URL))
    assert "Le BAT de cette CCI est validé" in page
    response = client.post(URL, {**SETTINGS, "mode": "direct"}, follow=True)
    assert "Rouvrez le BAT" in text(response)
    assert DispatchSettings.objects.get(cci_code="011").mode == "reroute"
    assert DispatchSettings.objects.get(cci_code="011").return_lines == ADDRESS.splitlines()


def test_cctp_5_2_2_the_coe_reads_its_choices_in_the_journal_in_french(president: User) -> None:
    client = client_for(president)
    client.post(URL, SETTINGS)
    page = text(client.get("/gestion/journal/"))
    assert "Modification des choix d'expédition du matériel de vote d'une CCI" in page
    assert "mode d'expédition" in page and "Envoi à la COE, qui réachemine les courriers" in page
    assert "batch_size" not in page and "reroute" not in page
