"""Contract C6: every elector gets material exactly once — the issued kit's e-mail set is the
opening dispatch's set (issue 14; CCTP 5.2.2, 5.2.3.1, 5.2.3.2).

Real components end to end: the electors through the real imports, the BAT approvals, the signed
kit downloaded from the national page, the credentials export sealed to the operator's key, the
operator's ``scrutin material letters`` producing the PDF batches, and a real SMTP server
(aiosmtpd) refusing two addresses of the test campaign after the kit was issued."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from typer.testing import CliRunner

from scrutin.cli import main as cli_main
from scrutin.material.kit import check_signed
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.credentials import services as credentials
from scrutin.platform.credentials.export import generate_keypair, read_rows
from scrutin.platform.credentials.models import GenerationRun
from scrutin.platform.electoral.models import Elector
from scrutin.platform.keys import platform_public_key_hex
from scrutin.platform.mailing import material as mailing_material
from scrutin.platform.mailing import schedule, services
from scrutin.platform.mailing.models import Campaign, Message
from scrutin.platform.material import emailset
from scrutin.platform.material import services as material
from scrutin.platform.material.content import content_fingerprint, letter_content
from scrutin.platform.material.models import IssuedKit
from tests.frenchtext import scan_html

from ..accounts.world import make_user
from .conftest import Sink
from .test_material import set_window

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "ballotbox"])
RETURN = "CCI de l'Ain\n1 rue Joseph Bernier\n01000 BOURG-EN-BRESSE"
KIT = "/gestion/materiel/national/cci/011/kit.json"
SUPPLEMENT = "/gestion/materiel/national/cci/011/kit-complementaire.json"
DISPATCH_PAGE = "/gestion/materiel-courriel/cci/011/"
STRANDED_TITLE = "Électeurs sans matériel : adresse en échec après la production du kit"
NO_EMAIL = ["0110000000010", "0110000000011", "0110000000012"]  # letters: no address
REFUSED = {"0110000000003", "0110000000017"}  # the sink refuses their addresses (550)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def prepared(electors: dict[str, int], sink: Sink, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """CCI 011 chose the material by e-mail; three electors have no address; both BATs are
    approved; the operator's key is registered and the CCI's codes exported for it."""
    settings.SCRUTIN_SITE_URL = "https://vote.exemple.fr"
    Elector.objects.update(mobile_e164="")
    Elector.objects.filter(number__in=NO_EMAIL).update(email="")
    set_window("011", timedelta(days=1), timedelta(days=3))
    president = make_user("PRESCOE", ["011"], name="president-011@cci.test")
    admin = make_user("ADMIN", None, national=True, name="national@cci.test")
    material.update_settings("011", {"mode": "direct", "batch_size": 50, "reroute_address": "",
                             "return_address": RETURN, "electronic": True}, user=president)  # fmt: skip
    material.approve_coe("011", user=president,
                         seen_sha256=content_fingerprint(letter_content("011")))  # fmt: skip
    assert material.approve_national(["011"], user=admin)[0] == ["011"]
    private, public = generate_keypair()
    credentials.register_recipient(public, "Opérateur de test")
    run = credentials.generate(credentials.new_run("011", GenerationRun.Mode.NEW))
    key = tmp_path / "operateur.cle"
    key.write_text(base64.b64encode(private).decode() + "\n")
    return {"president": president, "admin": admin, "export": Path(run.export_path),
            "private": private, "key": key}  # fmt: skip


def letters(world: dict[str, Any], kit: Path, out: Path) -> dict[str, Any]:
    """The operator's ``scrutin material letters`` on the kit; returns its manifest."""
    if not cli_main.app.registered_groups:
        cli_main._register()
    result = CliRunner().invoke(cli_main.app, [
        "material", "letters", "--kit", str(kit), "--export", str(world["export"]),
        "--key", str(world["key"]), "--out", str(out), "--public-key", platform_public_key_hex(),
        "--workers", "1"], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest: dict[str, Any] = json.loads((out / "manifeste.json").read_bytes())
    return manifest


def printed(world: dict[str, Any], kit: Path) -> set[str]:
    """The identifiers the kit makes the operator print, over the real export."""
    checked = check_signed(json.loads(kit.read_bytes()), platform_public_key_hex())
    rows = read_rows(world["export"], world["private"])
    return {row[0] for row in rows if checked.prints(row[0])}


def issue(world: dict[str, Any], tmp_path: Path, url: str = KIT, name: str = "kit.json") -> Path:
    client = signed_in(world["admin"])
    response = client.get(url) if url == KIT else client.post(url)
    assert response.status_code == 200, response.content.decode()[:500]
    path = tmp_path / name
    path.write_bytes(response.content)
    return path


def all_numbers() -> set[str]:
    return set(Elector.objects.filter(cci_code="011").values_list("number", flat=True))


def emailed(campaign: Campaign) -> set[str]:
    return set(campaign.messages.values_list("elector_number", flat=True))


def test_c6_main_kit_letters_and_opening_emails_partition_the_cci(
    prepared: dict[str, Any], sink: Sink, tmp_path: Path
) -> None:
    """Letters ∪ e-mails = every elector of the CCI, letters ∩ e-mails = ∅ (CCTP 5.2.2)."""
    kit = issue(prepared, tmp_path)
    manifest = letters(prepared, kit, tmp_path / "lettres")
    paper = printed(prepared, kit)
    assert paper == set(NO_EMAIL) and manifest["total"] == len(paper)
    set_window("011", -timedelta(minutes=5), timedelta(days=2))
    campaign = schedule.start_dispatch("011", user=None)
    email = emailed(campaign)
    assert paper | email == all_numbers() and not paper & email
    assert {m["X-Envelope-To"] for m in sink.messages} == set(
        Elector.objects.filter(number__in=email - REFUSED).values_list("email", flat=True)
    )


def test_c6_bounced_after_the_kit_listed_then_printed_by_the_supplementary_kit_only(
    prepared: dict[str, Any], sink: Sink, tmp_path: Path
) -> None:
    kit = issue(prepared, tmp_path)
    frozen = set(json.loads(kit.read_bytes())["kit"]["electronic"])
    assert frozen >= REFUSED  # their addresses had not failed yet when the kit was issued
    test = services.start_campaign("test", "011", None, user=None)  # after the kit
    test.refresh_from_db()
    assert test.refused == 2
    page = signed_in(prepared["president"]).get(DISPATCH_PAGE).content.decode()
    assert STRANDED_TITLE.replace("'", "&#x27;") in page or STRANDED_TITLE in page
    assert all(number in page for number in REFUSED)
    assert scan_html(page, "envoi par courriel") == []
    national = signed_in(prepared["admin"]).get("/gestion/materiel/national/").content.decode()
    assert "2 électeurs sans matériel" in national and scan_html(national, "BAT général") == []
    assert set(emailset.stranded("011").values_list("number", flat=True)) == REFUSED

    supplement = issue(prepared, tmp_path, SUPPLEMENT, "kit-complementaire.json")
    manifest = letters(prepared, supplement, tmp_path / "complement")
    assert printed(prepared, supplement) == REFUSED
    assert manifest["total"] == 2 and manifest["supplement"]["missing"] == []
    assert {manifest["batches"][0]["first"], manifest["batches"][0]["last"]} == REFUSED
    entry = JournalEntry.objects.get(event="material:kit:supplement")
    assert entry.data["letters"] == 2 and set(entry.data["numbers"]) == REFUSED
    assert not emailset.stranded("011").exists()  # they have their letters now

    set_window("011", -timedelta(minutes=5), timedelta(days=2))
    sink.messages.clear()
    campaign = schedule.start_dispatch("011", user=None)
    assert emailed(campaign) == frozen - REFUSED  # exactly the kit's set, minus the supplement
    paper = printed(prepared, kit) | printed(prepared, supplement)
    assert paper | emailed(campaign) == all_numbers() and not paper & emailed(campaign)


def test_c6_a_stranded_elector_resent_to_an_approved_address_leaves_the_list_and_the_opening(
    prepared: dict[str, Any], sink: Sink, tmp_path: Path
) -> None:
    kit = issue(prepared, tmp_path)
    services.start_campaign("test", "011", None, user=None)  # two addresses fail
    number = sorted(REFUSED)[0]
    mailing_material.resend_material(number, user=prepared["president"], reason="Adresse en échec",
                                     address="nouvelle.adresse@exemple-011.fr")  # fmt: skip
    assert len(sink.to("nouvelle.adresse@exemple-011.fr")) == 1
    assert set(emailset.stranded("011").values_list("number", flat=True)) == REFUSED - {number}
    set_window("011", -timedelta(minutes=5), timedelta(days=2))
    campaign = schedule.start_dispatch("011", user=None)
    frozen = set(json.loads(kit.read_bytes())["kit"]["electronic"])
    assert emailed(campaign) == frozen - {number}  # its resent code stays the working one


def test_c6_an_address_corrected_after_the_kit_gets_no_email_on_top_of_its_letter(
    prepared: dict[str, Any], sink: Sink, tmp_path: Path
) -> None:
    issue(prepared, tmp_path)
    Elector.objects.filter(number=NO_EMAIL[0]).update(email="nouvelle@exemple-011.fr")
    set_window("011", -timedelta(minutes=5), timedelta(days=2))
    campaign = schedule.start_dispatch("011", user=None)
    assert NO_EMAIL[0] not in emailed(campaign)
    assert sink.to("nouvelle@exemple-011.fr") == []


def test_c6_reissuing_the_main_kit_with_another_set_needs_a_confirmation_and_is_journaled(
    prepared: dict[str, Any], sink: Sink, tmp_path: Path
) -> None:
    first = issue(prepared, tmp_path)
    again = issue(prepared, tmp_path, name="kit-2.json")  # same set: issued, no warning
    assert (
        json.loads(again.read_bytes())["kit"]["electronic"]
        == json.loads(first.read_bytes())["kit"]["electronic"]
    )
    services.start_campaign("test", "011", None, user=None)  # two addresses fail
    client = signed_in(prepared["admin"])
    response = client.get(KIT)
    assert response.status_code == 409
    shown = response.content.decode().replace("&#x27;", "'")
    assert "l'opérateur a pu imprimer" in shown and "2 en sortent" in shown
    assert scan_html(response.content.decode(), "nouveau kit") == []
    assert IssuedKit.objects.filter(kind="main").count() == 2
    assert not JournalEntry.objects.filter(event="material:kit:reissue").exists()
    response = client.post(KIT, {"confirmer": "1"})
    assert response.status_code == 200
    assert not set(json.loads(response.content)["kit"]["electronic"]) & REFUSED
    entry = JournalEntry.objects.get(event="material:kit:reissue")
    assert (entry.data["added"], entry.data["removed"]) == (0, 2)
    latest = emailset.latest_main("011")
    assert latest is not None and latest.count == 40 - 3 - 2
    assert not emailset.stranded("011").exists()


def test_c6_no_kit_no_email_dispatch_and_a_french_warning(
    prepared: dict[str, Any], sink: Sink
) -> None:
    set_window("011", -timedelta(minutes=5), timedelta(days=2))
    with pytest.raises(schedule.DispatchRefused, match="Aucun kit d'impression"):
        schedule.start_dispatch("011", user=None)
    page = signed_in(prepared["president"]).get(DISPATCH_PAGE).content.decode()
    assert "Aucun kit d&#x27;impression n&#x27;a été délivré" in page
    assert scan_html(page, "envoi par courriel") == []
    assert not Message.objects.filter(campaign__kind="material").exists()
    assert sink.messages == []
