"""The COE's side (CCTP 5.1.3.3): notified without personal data, sees the request and the
identity document (nobody else does), corrects the match, accepts or refuses with a reason that
reaches the requester by e-mail; support and the COE open requests (contract C5)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.resend import services
from scrutin.platform.resend.models import ResendRequest
from tests.integration.accounts.world import make_user

from .conftest import Resend, identity_of, png, post_request

pytestmark = pytest.mark.django_db


def _submit(resend: Resend, capture: Any, **changes: str) -> ResendRequest:
    with capture(execute=True):
        response = post_request(Client(), identity_of(resend.own, **changes), png(text="CNI"))
    assert response.status_code == 200, response.content.decode()
    return ResendRequest.objects.order_by("-pk").first()  # type: ignore[return-value]


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_cctp_5_1_3_3_coe_is_notified_without_personal_data(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks)
    to_coe = [m for m in smtp_sink.messages if "coe-ain@cci.test" in m["X-Envelope-To"]]
    assert len(to_coe) == 1
    assert not [m for m in smtp_sink.messages if "coe-reunion" in m["X-Envelope-To"]]
    body = to_coe[0].get_payload(decode=True).decode()
    assert f"https://vote.cci.test/gestion/renvoi/{request.pk}/" in body
    for personal in ("LAVIGNE", "Lavigne", resend.own.number, resend.own.postal_code,
                     "demandeur@exemple.fr", resend.own.first_name):  # fmt: skip
        assert personal not in body
    assert JournalEntry.objects.filter(event="resend:request:submit").count() == 1


def test_cctp_5_1_3_3_only_the_coe_of_the_cci_sees_the_document(
    resend: Resend, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks)
    url, piece = f"/gestion/renvoi/{request.pk}/", f"/gestion/renvoi/{request.pk}/piece/"
    own = _signed_in(resend.coe)
    page = own.get(url)
    assert page.status_code == 200
    assert "LAVIGNE-DUPRE" in page.content.decode() and piece in page.content.decode()
    document = own.get(piece)
    assert document.status_code == 200 and document["Content-Type"] == "image/png"
    assert "no-store" in document["Cache-Control"]
    assert "sandbox" in document["Content-Security-Policy"]
    assert document.content.startswith(b"\x89PNG")
    assert JournalEntry.objects.filter(event="resend:document:view").count() == 1
    other = _signed_in(resend.coe_other)
    assert other.get(url).status_code == 404
    assert other.get(piece).status_code == 404
    national = _signed_in(resend.national)  # CCI France routes, but never sees an identity document
    assert national.get(piece).status_code == 404
    for role in ("SUPPORT", "OBSERV", "CELE"):
        assert _signed_in(make_user(role, ["011"])).get(piece).status_code == 403
    anonymous = Client().get(piece)
    assert anonymous.status_code == 302 and "/gestion/" in anonymous.url


def test_cctp_5_1_3_3_refusal_needs_a_reason_that_reaches_the_requester(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks)
    coe = _signed_in(resend.coe)
    coe.post(f"/gestion/renvoi/{request.pk}/decision/", {"refuser": "1", "motif": "  "})
    request.refresh_from_db()
    assert request.status == "pending"
    reason = "La photo de la carte d'identité est illisible : envoyez une photo nette."
    with django_capture_on_commit_callbacks(execute=True):
        response = coe.post(
            f"/gestion/renvoi/{request.pk}/decision/", {"refuser": "1", "motif": reason}
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "refused" and request.decided_by == resend.coe
    to_requester = [m for m in smtp_sink.messages if m["X-Envelope-To"] == "demandeur@exemple.fr"]
    assert len(to_requester) == 1
    assert (
        "refusée" in str(to_requester[0]["Subject"])
        or "refus" in to_requester[0].get_payload(decode=True).decode()
    )
    assert reason in to_requester[0].get_payload(decode=True).decode()
    entry = JournalEntry.objects.get(event="resend:request:refuse")
    assert entry.data["reason"] == reason and entry.cci_code == "011"
    again = coe.post(f"/gestion/renvoi/{request.pk}/decision/", {"refuser": "1", "motif": "x"})
    assert (
        again.status_code == 302
        and JournalEntry.objects.filter(event="resend:request:refuse").count() == 1
    )


def test_other_cci_coe_cannot_decide(
    resend: Resend, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks)
    response = _signed_in(resend.coe_other).post(
        f"/gestion/renvoi/{request.pk}/decision/", {"refuser": "1", "motif": "non"}
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


def test_unmatched_request_goes_to_the_national_queue_and_is_routed(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(
        resend, django_capture_on_commit_callbacks, nom="Inconnu", code_postal="99999"
    )
    assert (request.cci_code, request.number) == ("", "")
    assert [m["X-Envelope-To"] for m in smtp_sink.messages] == ["national@cci.test"]
    national = _signed_in(resend.national)
    listing = national.get("/gestion/renvoi/a-orienter/").content.decode()
    assert request.reference in listing
    assert _signed_in(resend.coe).get(f"/gestion/renvoi/{request.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        national.post(f"/gestion/renvoi/{request.pk}/rattacher/", {"numero": resend.own.number})
    request.refresh_from_db()
    assert (request.cci_code, request.number, request.match) == ("011", resend.own.number, "manual")
    assert "coe-ain@cci.test" in smtp_sink.messages[-1]["X-Envelope-To"]
    assert _signed_in(resend.coe).get(f"/gestion/renvoi/{request.pk}/").status_code == 200


def test_number_prefix_routes_to_its_cci_and_the_coe_picks_the_line(
    resend: Resend, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks, nom="Inconnu",
                      numero="0119999999999")  # fmt: skip
    assert (request.cci_code, request.number) == ("011", "")
    coe = _signed_in(resend.coe)
    refused = coe.post(f"/gestion/renvoi/{request.pk}/rattacher/", {"numero": resend.other.number})
    assert refused.status_code == 302
    request.refresh_from_db()
    assert request.number == ""  # a line of another CCI is outside this COE's perimeter
    coe.post(f"/gestion/renvoi/{request.pk}/rattacher/", {"numero": resend.own.number})
    request.refresh_from_db()
    assert request.number == resend.own.number


def test_c5_support_opens_a_request_and_pending_for_finds_it(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agent = make_user("SUPPORT", ["011"], name="agent@cci.test")
    assert services.pending_for(resend.own.number) is None
    with django_capture_on_commit_callbacks(execute=True):
        opened = services.open_request(number=resend.own.number, origin="support", user=agent,
                                       note="Appel du 04/12 : courrier jamais reçu.")  # fmt: skip
    assert (opened.origin, opened.cci_code, opened.status) == ("support", "011", "pending")
    assert services.pending_for(resend.own.number) == opened
    assert services.open_request(number=resend.own.number, origin="support", user=agent,
                                 note="second appel") == opened  # fmt: skip
    assert [m["X-Envelope-To"] for m in smtp_sink.messages] == ["coe-ain@cci.test"]
    with pytest.raises(services.ResendError, match="hors de votre périmètre"):
        services.open_request(number=resend.other.number, origin="support", user=agent, note="")


def test_accept_without_an_elector_line_is_refused(
    resend: Resend, django_capture_on_commit_callbacks: Any
) -> None:
    request = _submit(resend, django_capture_on_commit_callbacks, nom="Inconnu",
                      numero="0119999999999")  # fmt: skip
    with pytest.raises(services.ResendError, match="Choisissez d'abord la ligne électorale"):
        services.accept(request, user=resend.coe, reason="pièce conforme")
    request.refresh_from_db()
    assert request.status == "pending"


CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")


def _letter_codes(cci: str) -> dict[str, str]:
    """The codes printed on the letters (first generation, decrypted export)."""
    from scrutin.platform.credentials import services as credentials
    from scrutin.platform.credentials.export import generate_keypair, read_rows

    private, public = generate_keypair()
    credentials.register_recipient(public, "Routeur de test")
    run = credentials.generate(credentials.new_run(cci, "new"))
    return {row[0]: row[1] for row in read_rows(Path(run.export_path), private)}


def _text(mail: Any) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode())


def test_cctp_5_1_3_3_acceptance_kills_the_old_code_and_emails_new_material(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from scrutin.platform.credentials.services import authenticate

    number = resend.own.number
    old = _letter_codes("011")[number]
    assert authenticate(number, old) is not None
    request = _submit(resend, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = _signed_in(resend.coe).post(
            f"/gestion/renvoi/{request.pk}/decision/",
            {"accepter": "1", "motif": "Pièce d'identité conforme.", "envoi": "liste"},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted" and request.material_message_id is not None
    assert authenticate(number, old) is None  # the old code is dead at once
    material = [m for m in smtp_sink.messages if m["X-Envelope-To"] == "electeur.ain@exemple.fr"]
    assert len(material) == 1
    new = CODE.search(_text(material[0]))
    assert new is not None and new.group(0) != old
    assert authenticate(number, new.group(0)) is not None
    notice = [m for m in smtp_sink.messages if m["X-Envelope-To"] == "demandeur@exemple.fr"]
    assert len(notice) == 1 and "acceptée" in _text(notice[0])
    assert CODE.search(_text(notice[0])) is None  # the notice never carries a code
    entry = JournalEntry.objects.get(event="resend:request:accept")
    assert entry.data["number"] == number and old not in str(entry.data)


def test_cctp_5_1_3_3_coe_resends_on_its_own_initiative(
    resend: Resend, smtp_sink: Any, django_capture_on_commit_callbacks: Any
) -> None:
    coe = _signed_in(resend.coe)
    refused = coe.post("/gestion/renvoi/nouveau/", {"numero": resend.other.number, "motif": "x"})
    assert "hors de votre périmètre" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = coe.post("/gestion/renvoi/nouveau/",
                        {"numero": resend.own.number, "motif": "Courrier revenu : adresse erronée."})  # fmt: skip
    assert done.status_code == 302
    request = ResendRequest.objects.get(number=resend.own.number)
    assert (request.origin, request.status) == ("coe", "accepted")
    assert [m["X-Envelope-To"] for m in smtp_sink.messages] == ["electeur.ain@exemple.fr"]


def test_acceptance_of_a_line_without_email_keeps_the_request_pending(
    resend: Resend, django_capture_on_commit_callbacks: Any
) -> None:
    from scrutin.platform.electoral.models import Elector

    Elector.objects.filter(number=resend.own.number).update(email="")
    request = _submit(resend, django_capture_on_commit_callbacks)
    with pytest.raises(services.ResendError, match="n'a pas d'adresse électronique"):
        services.accept(request, user=resend.coe, reason="conforme")
    request.refresh_from_db()
    assert request.status == "pending"
