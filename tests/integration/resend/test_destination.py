"""Where an accepted resend goes (CCTP 5.1.3.3, 4.1.6): the COE chooses between the address on the
sealed electoral list and the one the requester typed (an identity decision backed by the
document), or types one for a request it or support opened. Through a real SMTP server: the new
code reaches the chosen address and no other, the old code is dead, the list is not changed, and
the journal holds the choice with the address's SHA-256, never the address."""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.credentials.services import authenticate
from scrutin.platform.electoral.models import Elector
from scrutin.platform.mailing.models import Message
from scrutin.platform.resend import retention, services
from scrutin.platform.resend.models import ResendRequest
from tests.integration.accounts.world import make_user

from .conftest import Resend, identity_of, png, post_request

pytestmark = pytest.mark.django_db
CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")
LISTED, REQUESTER = "electeur.ain@exemple.fr", "demandeur@exemple.fr"


def _digest(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def _submit(resend: Resend, capture: Any) -> ResendRequest:
    with capture(execute=True):
        response = post_request(Client(), identity_of(resend.own), png(text="CNI"))
    assert response.status_code == 200, response.content.decode()
    return ResendRequest.objects.order_by("-pk").first()  # type: ignore[return-value]


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _letter_code(number: str) -> str:
    """The code printed on the elector's letter (first generation, decrypted export)."""
    from scrutin.platform.credentials import services as credentials
    from scrutin.platform.credentials.export import generate_keypair, read_rows

    private, public = generate_keypair()
    credentials.register_recipient(public, "Routeur de test")
    run = credentials.generate(credentials.new_run(number[:3], "new"))
    return {row[0]: row[1] for row in read_rows(Path(run.export_path), private)}[number]


def _text(mail: Any) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode())


def _material(sink: Any) -> dict[str, list[str]]:
    """Envelope recipient → the codes of the material e-mails it received."""
    out: dict[str, list[str]] = {}
    for mail in sink.messages:
        codes = CODE.findall(_text(mail))
        if codes:
            out.setdefault(mail["X-Envelope-To"], []).extend(codes)
    return out


def _decide(client: Client, request: ResendRequest, capture: Any, **fields: str) -> str:
    with capture(execute=True):
        response = client.post(f"/gestion/renvoi/{request.pk}/decision/",
                               {"accepter": "1", "motif": "Pièce d'identité conforme.", **fields})  # fmt: skip
    assert response.status_code == 302
    return html.unescape(client.get(response.url).content.decode())


def test_cctp_5_1_3_3_coe_sends_the_material_to_the_requester_address_not_the_list(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    number = resend.own.number
    old = _letter_code(number)
    request = _submit(resend, django_capture_on_commit_callbacks)
    coe = _signed_in(resend.coe)
    page = html.unescape(coe.get(f"/gestion/renvoi/{request.pk}/").content.decode())
    assert LISTED in page and REQUESTER in page
    assert "décision sur son identité" in page and "n'est pas modifiée" in page

    # Two addresses on offer: no default, the COE must say which one.
    answer = _decide(coe, request, django_capture_on_commit_callbacks)
    assert "Choisissez l'adresse où envoyer le nouveau matériel" in answer
    request.refresh_from_db()
    assert request.status == "pending" and _material(smtp_sink) == {}
    assert authenticate(number, old) is not None

    answer = _decide(coe, request, django_capture_on_commit_callbacks, envoi="demandeur")
    request.refresh_from_db()
    assert request.status == "accepted", answer
    received = _material(smtp_sink)
    assert list(received) == [REQUESTER]  # the new code reaches the requester, never the list
    (new,) = received[REQUESTER]
    assert authenticate(number, old) is None and authenticate(number, new) is not None
    notice = [m for m in smtp_sink.messages if "acceptée" in _text(m)]
    assert [m["X-Envelope-To"] for m in notice] == [REQUESTER]
    assert "indiquée dans votre demande" in _text(notice[0])
    assert Elector.objects.get(number=number).email == LISTED  # the sealed list is untouched
    message = Message.objects.get(pk=request.material_message_id)
    assert (message.address, message.status) == (REQUESTER, "sent")
    assert f"envoyé par courriel à <strong>{REQUESTER}</strong>" in answer
    accept = JournalEntry.objects.get(event="resend:request:accept")
    assert accept.data["send_to"] == "requester"
    assert accept.data["address_sha256"] == _digest(REQUESTER)
    sent = JournalEntry.objects.get(event="mailing:material:resend")
    assert (sent.data["to"], sent.data["address_sha256"]) == ("approved", _digest(REQUESTER))
    for entry in (accept, sent):
        recorded = json.dumps(entry.data)
        assert REQUESTER not in recorded and LISTED not in recorded and new not in recorded


def test_cctp_5_1_3_3_list_address_chosen_the_requester_gets_only_the_notice(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks)
    _decide(_signed_in(resend.coe), request, django_capture_on_commit_callbacks, envoi="liste")
    assert list(_material(smtp_sink)) == [LISTED]
    notice = [m for m in smtp_sink.messages if "acceptée" in _text(m)]
    assert [m["X-Envelope-To"] for m in notice] == [REQUESTER]
    assert "liste électorale de votre CCI" in _text(notice[0])
    entry = JournalEntry.objects.get(event="resend:request:accept")
    assert (entry.data["send_to"], entry.data["address_sha256"]) == ("list", _digest(LISTED))
    assert JournalEntry.objects.get(event="mailing:material:resend").data["to"] == "list"


def test_cctp_5_1_3_3_postal_elector_without_list_address_is_served_at_the_requester_address(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    number = resend.own.number
    Elector.objects.filter(number=number).update(email="")
    request = _submit(resend, django_capture_on_commit_callbacks)
    coe = _signed_in(resend.coe)
    page = html.unescape(coe.get(f"/gestion/renvoi/{request.pk}/").content.decode())
    assert "Cette ligne n'a pas d'adresse électronique" in page
    assert "qu'à l'adresse indiquée par le demandeur" in page and 'value="liste"' not in page
    with pytest.raises(
        services.ResendError, match="choisissez l'adresse indiquée par le demandeur"
    ):
        services.accept(request, user=resend.coe, reason="conforme", send_to=services.TO_LIST)
    request.refresh_from_db()
    assert request.status == "pending"
    _decide(coe, request, django_capture_on_commit_callbacks)  # the one address on offer
    request.refresh_from_db()
    assert request.status == "accepted"
    (new,) = _material(smtp_sink)[REQUESTER]
    assert authenticate(number, new) is not None
    assert Elector.objects.get(number=number).email == ""


def test_cctp_5_1_3_3_coe_initiative_goes_to_the_address_the_coe_typed(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    coe, typed = _signed_in(resend.coe), "nouvelle.adresse@exemple.fr"
    bad = coe.post("/gestion/renvoi/nouveau/", {"numero": resend.own.number, "motif": "perte",
                                                "adresse": "pas-une-adresse"})  # fmt: skip
    assert "n'est pas valide" in html.unescape(bad.content.decode())
    assert not ResendRequest.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = coe.post("/gestion/renvoi/nouveau/", {"numero": resend.own.number, "adresse": typed,
                        "motif": "Courrier revenu ; adresse vérifiée au téléphone."})  # fmt: skip
    assert done.status_code == 302
    assert list(_material(smtp_sink)) == [typed]
    entry = JournalEntry.objects.get(event="resend:request:accept")
    assert (entry.data["send_to"], entry.data["address_sha256"]) == ("typed", _digest(typed))
    assert Elector.objects.get(number=resend.own.number).email == LISTED


def test_cctp_5_1_3_3_coe_initiative_without_any_address_says_what_to_do(
    resend: Resend, smtp_sink: Any
) -> None:
    Elector.objects.filter(number=resend.own.number).update(email="")
    answer = _signed_in(resend.coe).post("/gestion/renvoi/nouveau/",
                                         {"numero": resend.own.number, "motif": "perte"})  # fmt: skip
    text = html.unescape(answer.content.decode())
    assert "n'a pas d'adresse électronique" in text and "saisissez l'adresse" in text
    assert not ResendRequest.objects.exists() and smtp_sink.messages == []


def test_cctp_5_1_3_3_support_request_coe_types_the_address_or_uses_the_list(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agent = make_user("SUPPORT", ["011"], name="agent@cci.test")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.open_request(number=resend.own.number, origin="support", user=agent,
                                        note="Appel : courrier jamais reçu, adresse Gmail donnée.")  # fmt: skip
    coe = _signed_in(resend.coe)
    page = html.unescape(coe.get(f"/gestion/renvoi/{request.pk}/").content.decode())
    assert 'name="adresse"' in page and 'value="demandeur"' not in page
    with pytest.raises(services.ResendError, match="ne porte pas d'adresse indiquée"):
        services.accept(request, user=resend.coe, reason="x", send_to=services.TO_REQUESTER)
    _decide(coe, request, django_capture_on_commit_callbacks, adresse="appelant@exemple.fr")
    assert list(_material(smtp_sink)) == ["appelant@exemple.fr"]
    assert JournalEntry.objects.get(event="resend:request:accept").data["send_to"] == "typed"


def test_cctp_5_1_3_3_coe_cannot_type_another_address_for_an_elector_request(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks)
    with pytest.raises(services.ResendError, match="à l'adresse de la liste électorale ou à celle"):
        services.accept(request, user=resend.coe, reason="x", send_to=services.TO_TYPED,
                        address="autre@exemple.fr")  # fmt: skip
    request.refresh_from_db()
    assert request.status == "pending" and _material(smtp_sink) == {}


def test_purge_forgets_the_address_the_material_was_sent_to(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks)
    _decide(_signed_in(resend.coe), request, django_capture_on_commit_callbacks, envoi="demandeur")
    request.refresh_from_db()
    message_id = request.material_message_id
    assert Message.objects.get(pk=message_id).address == REQUESTER
    retention.set_appeal_end("011", timezone.localdate() - timedelta(days=1), actor="test")
    (done,) = retention.purge()
    assert done.requests == 1
    assert Message.objects.get(pk=message_id).address == ""
    assert not Message.objects.filter(address=REQUESTER).exists()
