"""The public resend page (CCTP 4.1.6, 5.1.3.3): the identity document checked by its content,
stored encrypted, abuse bounds that never lock out a real elector."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from scrutin.platform.resend.models import IdentityDocument, ResendRequest

from .conftest import Resend, identity_of, jpeg, pdf, png, post_request

pytestmark = pytest.mark.django_db


def _errors(response: Any) -> str:
    return response.content.decode()


def test_cctp_4_1_6_public_page_needs_no_sign_in_and_says_what_happens_next(resend: Resend) -> None:
    page = Client().get("/vote/renvoi/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Je n'ai pas reçu ou j'ai perdu mes identifiants" in body
    assert "La commission d'organisation des élections de votre CCI vérifie votre demande" in body
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]


def test_cctp_5_1_3_3_png_named_pdf_is_recognised_by_its_content(resend: Resend) -> None:
    response = post_request(Client(), identity_of(resend.own), png(), "carte.pdf",
                            "application/pdf")  # fmt: skip
    assert response.status_code == 200, _errors(response)
    assert "Votre demande est envoyée" in response.content.decode()
    document = IdentityDocument.objects.get()
    assert document.kind == "png"


def test_cctp_5_1_3_3_text_named_jpg_is_refused_naming_the_field(resend: Resend) -> None:
    response = post_request(Client(), identity_of(resend.own), b"bonjour, je suis un texte",
                            "carte.jpg", "image/jpeg")  # fmt: skip
    assert response.status_code == 400
    assert (
        "Pièce d&#x27;identité : ce fichier n&#x27;est ni une image JPEG ou PNG ni un PDF"
        in _errors(response)
    )
    assert ResendRequest.objects.count() == 0


def test_cctp_5_1_3_3_pdf_with_javascript_is_refused(resend: Resend) -> None:
    response = post_request(Client(), identity_of(resend.own), pdf(javascript=True), "carte.pdf",
                            "application/pdf")  # fmt: skip
    assert response.status_code == 400
    assert "Pièce d&#x27;identité : ce PDF contient du JavaScript" in _errors(response)
    assert ResendRequest.objects.count() == 0
    ok = post_request(Client(), identity_of(resend.own), pdf(), "carte.pdf", "application/pdf")
    assert ok.status_code == 200, _errors(ok)
    assert IdentityDocument.objects.get().kind == "pdf"


def test_cctp_5_1_3_3_truncated_jpeg_is_refused(resend: Resend) -> None:
    whole = jpeg((400, 300))
    response = post_request(Client(), identity_of(resend.own), whole[: len(whole) // 2],
                            "photo.jpg", "image/jpeg")  # fmt: skip
    assert response.status_code == 400
    assert "Pièce d&#x27;identité : l&#x27;image JPEG est incomplète ou endommagée" in _errors(
        response
    )
    assert post_request(Client(), identity_of(resend.own), whole, "photo.jpg",
                        "image/jpeg").status_code == 200  # fmt: skip


def test_cctp_5_1_3_3_oversized_file_is_refused_naming_the_field(
    resend: Resend, settings: Any
) -> None:
    settings.SCRUTIN_RESEND_DOCUMENT_MAX_BYTES = 20_000
    big = png((400, 400), text="x") + b"\0" * 25_000  # a PNG with trailing bytes past the cap
    response = post_request(Client(), identity_of(resend.own), big)
    assert response.status_code == 400
    assert "Pièce d&#x27;identité : le fichier dépasse" in _errors(response)
    assert ResendRequest.objects.count() == 0


def test_missing_fields_are_named(resend: Resend) -> None:
    fields = identity_of(resend.own, nom="", courriel="pas-une-adresse", jour="31", mois="2")
    response = post_request(Client(), fields, png())
    body = _errors(response)
    assert response.status_code == 400
    assert "Nom de famille : ce champ est obligatoire." in body
    assert "Adresse électronique : elle n&#x27;est pas valide" in body
    assert "Date de naissance : cette date n&#x27;existe pas." in body


def test_document_is_encrypted_at_rest(resend: Resend) -> None:
    upload = png((120, 60), text="MARTIN CLAIRE 0123456789")
    assert post_request(Client(), identity_of(resend.own), upload).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed FROM resend_identitydocument")
        stored = bytes(cursor.fetchone()[0])
    assert len(stored) >= len(upload)
    assert upload not in stored and upload[8:40] not in stored and b"IHDR" not in stored
    from scrutin.platform.resend import services

    req = ResendRequest.objects.get()
    assert (req.number, req.cci_code, req.match) == (resend.own.number, "011", "identity")
    data, kind = services.read_document(req, user=resend.coe)
    assert (data, kind) == (upload, "png")


def test_request_without_proof_of_work_is_not_stored(resend: Resend) -> None:
    response = post_request(Client(), identity_of(resend.own), png(), solve=False)
    assert response.status_code == 400
    assert "Vérification de sécurité" in _errors(response)
    assert ResendRequest.objects.count() == 0


def test_second_elector_behind_the_same_address_is_not_locked_out(resend: Resend) -> None:
    """Two people of one office (one public address) each file their request; a source that
    piles up requests pays a larger proof of work, and is bounded per hour."""
    from scrutin.platform.electoral.models import Elector
    from scrutin.platform.resend import abuse

    client = Client(REMOTE_ADDR="198.51.100.7")
    second = Elector.objects.filter(cci_code="011").exclude(number=resend.own.number).first()
    assert second is not None
    assert post_request(client, identity_of(resend.own), png()).status_code == 200
    assert post_request(client, identity_of(second), png()).status_code == 200
    assert ResendRequest.objects.count() == 2
    for _ in range(6):
        abuse.record_submission("198.51.100.7")
    assert abuse.bits_for("198.51.100.7") > abuse.bits_for("203.0.113.9")  # harder, not locked


def test_per_source_and_per_number_bounds(resend: Resend, settings: Any) -> None:
    settings.SCRUTIN_RESEND_PER_SOURCE = 2
    settings.SCRUTIN_RESEND_PER_NUMBER = 1
    client = Client(REMOTE_ADDR="198.51.100.8")
    fields = identity_of(resend.own, numero=resend.own.number)
    assert post_request(client, fields, png()).status_code == 200
    spaced = {**fields, "numero": " ".join(resend.own.number[i : i + 3] for i in range(0, 13, 3))}
    again = post_request(Client(REMOTE_ADDR="192.0.2.10"), spaced, png())
    assert again.status_code == 400
    assert "plusieurs demandes pour ce numéro attendent déjà" in _errors(again)
    other = identity_of(resend.other)
    assert post_request(client, other, png()).status_code == 200
    third = post_request(client, identity_of(resend.other, nom="AUTRE"), png())
    assert third.status_code == 429
    assert "Trop de demandes ont été envoyées depuis votre connexion" in _errors(third)
    assert post_request(Client(REMOTE_ADDR="192.0.2.11"), identity_of(resend.other, nom="AUTRE"),
                        png()).status_code == 200  # fmt: skip
