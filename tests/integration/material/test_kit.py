"""The letter kit (contract C1, CCTP 5.2.2): issued only after both approvals, signed with the
platform key, journaled with its SHA-256, refused if the letter changed since the approvals."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.contrib.auth.models import User

from scrutin.crypto.signing import verify_document
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.credentials.models import RecipientKey
from scrutin.platform.electoral.models import Urn
from scrutin.platform.keys import platform_public_key_hex
from scrutin.platform.material import services

from .conftest import ADDRESS, REROUTE, approve, choose, client_for, text

pytestmark = pytest.mark.django_db

KIT = "/gestion/materiel/national/cci/011/kit.json"


def test_cctp_5_2_2_no_kit_before_the_coe_and_national_approvals(
    president: User, admin: User
) -> None:
    choose(president)
    client = client_for(admin)
    response = client.get(KIT)
    assert response.status_code == 409
    assert "la COE n'a pas encore validé son BAT" in text(response)
    approve(president)
    response = client.get(KIT)
    assert response.status_code == 409
    assert "CCI France n'a pas encore validé le BAT général" in text(response)
    assert not JournalEntry.objects.filter(event="material:kit:issue").exists()


def test_cctp_5_2_2_kit_signed_with_the_settings_dates_support_and_approvals(
    president: User, admin: User
) -> None:
    Urn.objects.filter(cci_id="011").update(cci_phone="04 74 32 13 00", cci_email="vote@ain.cci.fr",
                                            assistance_message="Du lundi au vendredi.")  # fmt: skip
    choose(president)
    approve(president)
    services.approve_national(["011"], user=admin)
    response = client_for(admin).get(KIT)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="kit-011.json"'
    document = json.loads(response.content)
    kit = document["kit"]
    assert document["public_key"] == platform_public_key_hex()
    verify_document(
        bytes.fromhex(document["public_key"]), kit, bytes.fromhex(document["signature"])
    )
    assert kit["format"] == "scrutin-letter-kit/v1"
    assert kit["cci"] == {"code": "011", "label": "CCI de l'Ain", "address": ADDRESS.splitlines(),
                          "logo_png": None}  # fmt: skip
    assert kit["voting_url"] == "https://vote.cci.test/vote/"
    assert (kit["opening"], kit["closing"]) == ("2026-11-19T09:00:00+01:00",
                                                "2026-11-26T18:00:00+01:00")  # fmt: skip
    assert kit["support"] == {"phone": "04 74 32 13 00", "email": "vote@ain.cci.fr",
                              "message": "Du lundi au vendredi."}  # fmt: skip
    assert kit["dispatch"] == {"mode": "reroute", "batch_size": 500,
                               "reroute_address": REROUTE.splitlines()}  # fmt: skip
    assert kit["electronic"] == []
    assert kit["bat"]["coe"]["by"] == president.username
    assert kit["bat"]["national"]["by"] == "Claire National"
    active = RecipientKey.objects.get(active=True)
    assert kit["recipient_fingerprint"] == active.fingerprint
    (entry,) = JournalEntry.objects.filter(event="material:kit:issue")
    assert entry.data["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert entry.cci_code == "011" and entry.actor == admin.username


def test_cctp_5_2_2_kit_refused_when_the_letter_changed_after_the_approvals(
    president: User, admin: User
) -> None:
    choose(president)
    approve(president)
    services.approve_national(["011"], user=admin)
    Urn.objects.filter(cci_id="011").update(cci_phone="01 00 00 00 00")
    response = client_for(admin).get(KIT)
    assert response.status_code == 409
    assert "le courrier a changé depuis la validation du BAT" in text(response)


def test_cctp_5_2_2_kit_needs_a_national_perimeter(president: User) -> None:
    assert client_for(president).get(KIT).status_code == 403


def test_cctp_5_2_2_jpeg_logo_goes_to_the_kit_as_png_and_a_new_logo_needs_a_new_bat(
    president: User, admin: User
) -> None:
    import base64
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from scrutin.platform.electoral.models import Cci

    def logo(colour: str) -> ContentFile[bytes]:
        out = io.BytesIO()
        Image.new("RGB", (40, 20), colour).save(out, format="JPEG")
        return ContentFile(out.getvalue())

    cci = Cci.objects.get(code="011")
    cci.logo.save("011-logo.jpg", logo("navy"), save=True)
    choose(president)
    approve(president)
    services.approve_national(["011"], user=admin)
    client = client_for(admin)
    png = base64.b64decode(json.loads(client.get(KIT).content)["kit"]["cci"]["logo_png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and Image.open(io.BytesIO(png)).size == (40, 20)
    cci.logo.save(
        "011-logo-2.jpg", logo("red"), save=True
    )  # the letter is no longer the one approved
    response = client.get(KIT)
    assert response.status_code == 409
    assert "le courrier a changé depuis la validation du BAT" in text(response)
