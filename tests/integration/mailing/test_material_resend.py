"""Contract C4: new voting material by e-mail only (CCTP 5.1.3.3), through a real SMTP server;
the old code (here the one printed on the letter) dies at once, the new one logs in."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.credentials import services as credentials
from scrutin.platform.credentials.export import generate_keypair, read_rows
from scrutin.platform.credentials.models import Credential, GenerationRun
from scrutin.platform.electoral.models import Elector
from scrutin.platform.mailing import material
from scrutin.platform.mailing.models import Message
from tests.frenchtext import problems

from .conftest import Sink

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "ballotbox"])
CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")
NUMBER = "0110000000004"


@pytest.fixture
def letters(electors: dict[str, int]) -> dict[str, str]:
    """The codes of CCI 011 as printed on the letters (first generation, decrypted export)."""
    private, public = generate_keypair()
    credentials.register_recipient(public, "Routeur de test")
    run = credentials.generate(credentials.new_run("011", "new"))
    return {row[0]: row[1] for row in read_rows(Path(run.export_path), private)}


def login(number: str, code: str) -> bool:
    """Step 1 of the voting site's HTTP login: identifier and code accepted."""
    answer = Client().post("/vote/", {"identifiant": number, "code": code})
    return answer.status_code == 302


def text_of(mail: Any) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode())


def test_cctp_5_1_3_3_resend_kills_the_letter_code_and_emails_a_new_one(
    letters: dict[str, str], sink: Sink, settings: Any
) -> None:
    settings.SCRUTIN_SMS_BACKEND = "file"
    Elector.objects.filter(number=NUMBER).update(mobile_e164="+33612345604")
    old = letters[NUMBER]
    assert login(NUMBER, old)
    message = material.resend_material(NUMBER, user=None, reason="Courrier perdu")
    assert (message.channel, message.elector_number) == ("email", NUMBER)
    message.refresh_from_db()
    assert message.status == "sent"
    (mail,) = sink.to(Elector.objects.get(number=NUMBER).email)
    assert str(make_header(decode_header(mail["Subject"]))).endswith(
        "votre nouveau matériel de vote"
    )
    body = text_of(mail)
    assert "l'ancien code ne marche plus" in body and NUMBER in body
    assert problems(body, "courriel de renvoi") == []  # plain French, no identifier
    new = CODE.search(body).group(0)  # type: ignore[union-attr]
    assert not login(NUMBER, old) and login(NUMBER, new)
    # e-mail only, even with a mobile: no SMS row, no SMS outbox (CCTP 5.1.3.3)
    assert not Message.objects.filter(elector_number=NUMBER, channel="sms").exists()
    assert not (Path(settings.VAR_DIR) / "sms" / "outbox.jsonl").exists()
    credential = Credential.objects.select_related("run").get(elector_id=NUMBER)
    assert credential.generation == 3 and credential.run.mode == GenerationRun.Mode.MAIL
    entry = JournalEntry.objects.get(event="mailing:material:resend")
    assert entry.data["number"] == NUMBER and entry.data["reason"] == "Courrier perdu"
    assert old not in str(entry.data) and new not in str(entry.data)
    other = "0110000000005"
    assert login(other, letters[other])  # nobody else touched


def test_cctp_5_1_3_3_old_code_dead_even_when_the_new_email_cannot_leave(
    letters: dict[str, str], sink: Sink, settings: Any
) -> None:
    settings.EMAIL_PORT = 9  # nothing listens: the hand-over fails
    settings.SCRUTIN_MAIL_MAX_ATTEMPTS = 1
    message = material.resend_material(NUMBER, user=None, reason="vol")
    message.refresh_from_db()
    assert message.status == "failed" and message.last_error
    assert not login(NUMBER, letters[NUMBER])


def test_resend_refused_in_french_without_an_address_or_for_an_unknown_line(
    letters: dict[str, str], sink: Sink
) -> None:
    Elector.objects.filter(number=NUMBER).update(email="")
    with pytest.raises(material.MaterialError, match="pas d'adresse électronique"):
        material.resend_material(NUMBER, user=None, reason="perte")
    with pytest.raises(material.MaterialError, match="Aucun électeur"):
        material.resend_material("0119999999999", user=None, reason="perte")
    assert login(NUMBER, letters[NUMBER])  # a refused resend kills nothing
    assert sink.messages == []


def test_cctp_5_1_3_3_resend_to_an_approved_address_leaves_the_list_alone(
    letters: dict[str, str], sink: Sink
) -> None:
    """C4 with ``address``: the message (and its retry after a temporary refusal, which draws
    another code) goes to the address the COE approved, never to the list's; the list is not
    changed; the journal holds the address's SHA-256 only."""
    listed = Elector.objects.get(number=NUMBER).email
    approved = "plus.tard.approuvee@exemple.fr"  # the sink answers 451 once, then accepts
    message = material.resend_material(NUMBER, user=None, reason="perte", address=f" {approved} ")
    message.refresh_from_db()
    assert (message.address, message.status, message.attempts) == (approved, "sent", 2)
    assert sink.to(listed) == []
    (mail,) = sink.to(approved)
    new = CODE.search(text_of(mail)).group(0)  # type: ignore[union-attr]
    assert not login(NUMBER, letters[NUMBER]) and login(NUMBER, new)
    assert Elector.objects.get(number=NUMBER).email == listed
    entry = JournalEntry.objects.get(event="mailing:material:resend")
    assert entry.data["to"] == "approved"
    assert entry.data["address_sha256"] == material.address_digest(approved)
    assert approved not in str(entry.data) and listed not in str(entry.data)


def test_resend_to_an_invalid_address_is_refused_in_french(
    letters: dict[str, str], sink: Sink
) -> None:
    with pytest.raises(material.MaterialError, match="n'est pas valide"):
        material.resend_material(NUMBER, user=None, reason="perte", address="sans-arobase")
    assert login(NUMBER, letters[NUMBER]) and sink.messages == []
