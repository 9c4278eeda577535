"""The BAT (CCTP 5.2.2): the COE approves or refuses its proof with a reason, reopening clears
both approvals, CCI France approves the BAT général per CCI; perimeters and the journal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.material import services
from scrutin.platform.material.content import MaterialError, content_fingerprint, letter_content
from scrutin.platform.material.models import Bat

from .conftest import approve, choose, client_for, text

pytestmark = pytest.mark.django_db

BAT = "/gestion/materiel/cci/{}/bat/"


def events(name: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(event=name).order_by("sequence"))


def test_cctp_5_2_2_coe_approves_the_proof_it_saw(president: User) -> None:
    choose(president)
    client = client_for(president)
    page = client.get(BAT.format("011"))
    body = text(page)
    assert "jeudi 19 novembre 2026 à 09 h 00" in body and "https://vote.cci.test/vote/" in body
    seen = page.context["fingerprint"]
    assert seen == content_fingerprint(letter_content("011"))
    response = client.post(BAT.format("011"), {"action": "approve", "content_sha256": seen},
                           follow=True)  # fmt: skip
    assert "BAT validé" in text(response)
    bat = Bat.objects.get(cci_code="011")
    assert bat.coe_approved and bat.coe_by == president.username and bat.content_sha256 == seen
    (entry,) = events("material:bat:approve")
    assert entry.actor == president.username and entry.data == {"content_sha256": seen}
    assert entry.cci_code == "011"


def test_cctp_5_2_2_approval_refused_when_the_letter_changed_after_the_proof_was_shown(
    president: User, settings: object
) -> None:
    choose(president)
    seen = content_fingerprint(letter_content("011"))
    settings.SCRUTIN_VOTE_CLOSES_AT = "2026-11-27T18:00"  # type: ignore[attr-defined]
    with pytest.raises(MaterialError, match="changé depuis l'affichage de l'épreuve"):
        services.approve_coe("011", user=president, seen_sha256=seen)
    assert not events("material:bat:approve")


def test_cctp_5_2_2_refusal_needs_a_reason_which_is_journaled(president: User) -> None:
    choose(president)
    client = client_for(president)
    response = client.post(BAT.format("011"), {"action": "refuse", "reason": "  "})
    assert "Indiquez le motif" in text(response)
    assert services.bat_of("011").coe_status == "pending" and not events("material:bat:refuse")
    client.post(BAT.format("011"), {"action": "refuse", "reason": "Le logo est flou."})
    bat = services.bat_of("011")
    assert (bat.coe_status, bat.coe_reason) == ("refused", "Le logo est flou.")
    assert events("material:bat:refuse")[0].data == {"reason": "Le logo est flou."}
    assert "Le logo est flou." in text(client.get(BAT.format("011")))
    # refused: the settings stay editable, then the COE can approve a new proof
    choose(president, batch_size=800)
    approve(president)
    assert services.bat_of("011").coe_approved


def test_cctp_5_2_2_reopening_needs_a_reason_and_clears_both_approvals(
    president: User, admin: User
) -> None:
    choose(president)
    approve(president)
    assert services.approve_national(["011"], user=admin) == (["011"], [])
    client = client_for(president)
    client.post(BAT.format("011"), {"action": "reopen", "reason": ""})
    assert services.bat_of("011").national_approved
    client.post(BAT.format("011"), {"action": "reopen", "reason": "Nouvelle adresse de la COE."})
    bat = services.bat_of("011")
    assert (bat.coe_status, bat.national_at, bat.content_sha256) == ("pending", None, "")
    (entry,) = events("material:bat:reopen")
    assert entry.data["reason"] == "Nouvelle adresse de la COE."
    assert entry.data["previous"]["national_by"] == "Claire National"
    choose(president, reroute_address="COE de l'Ain\n2 place de la Gare\n01000 BOURG-EN-BRESSE")
    assert services.bat_of("011").coe_status == "pending"


def test_cctp_5_2_2_coe_of_another_cci_cannot_see_nor_decide(president: User) -> None:
    client = client_for(president)
    for url in (BAT.format("974"), "/gestion/materiel/cci/974/expedition/",
                "/gestion/materiel/cci/974/bat/epreuve.pdf"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.post(BAT.format("974"), {"action": "refuse", "reason": "x"}).status_code == 403
    assert client.get("/gestion/materiel/national/").status_code == 403
    index = text(client.get("/gestion/materiel/"))
    assert "CCI de l'Ain" in index and "La Réunion" not in index
    assert not Bat.objects.filter(cci_code="974").exists()


def test_cctp_5_2_2_national_bat_only_after_the_coe_and_per_cci(
    president: User, admin: User
) -> None:
    choose(president)
    client = client_for(admin)
    page = text(client.get("/gestion/materiel/national/"))
    assert "pas encore de BAT validé par la COE : 011, 974" in page
    response = client.post("/gestion/materiel/national/", {"cci": ["011"]}, follow=True)
    assert "CCI 011 : la COE n'a pas validé son BAT." in text(response)
    approve(president)
    response = client.post("/gestion/materiel/national/", {"cci": ["011", "974"]}, follow=True)
    body = text(response)
    assert "BAT général validé pour : 011." in body and "CCI 974 : la COE n'a pas validé" in body
    bat = services.bat_of("011")
    assert bat.national_approved and bat.national_by == "Claire National"
    (entry,) = events("material:national:approve")
    assert entry.cci_code == "011" and entry.actor == admin.username
    assert entry.data["coe_by"] == president.username


def test_cctp_5_2_2_cci_france_refuses_a_bat_with_a_reason_the_coe_sees(
    president: User, admin: User
) -> None:
    choose(president)
    approve(president)
    client = client_for(admin)
    url = "/gestion/materiel/national/cci/011/refuser/"
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again, nothing done
    assert services.bat_of("011").coe_approved
    client.post(url, {"reason": "Le numéro d'assistance manque."})
    bat = services.bat_of("011")
    assert bat.coe_status == "refused" and "Le numéro d'assistance manque." in bat.coe_reason
    coe_page = text(client_for(president).get(BAT.format("011")))
    assert "Refusé par CCI France : Le numéro d'assistance manque." in coe_page
    assert events("material:national:refuse")[0].data["reason"] == "Le numéro d'assistance manque."
