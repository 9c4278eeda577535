"""The voter's receipt (issue 6, step 6): signed by the platform, e-mailed on request through a
real SMTP server, never stored, refused when forged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from scrutin.platform.voting.receipts import check_receipt, make_receipt
from tests.integration.accounts.world import SmtpSink, smtp_sink  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


def test_issue_6_receipt_signature_checks_and_forgery_fails() -> None:
    receipt = make_receipt("ab" * 32, "011-C", "cd" * 32, timezone.now())
    document = json.dumps(receipt.document)
    assert check_receipt(document, receipt.signature) == receipt.document
    forged = json.dumps(receipt.document | {"tracker": "ef" * 32})
    assert check_receipt(forged, receipt.signature) is None
    assert check_receipt(document, "00" * 64) is None
    assert check_receipt("not json", receipt.signature) is None


def test_issue_6_receipt_is_emailed_on_request(smtp_sink: SmtpSink) -> None:  # noqa: F811
    receipt = make_receipt("ab" * 32, "011-C", "cd" * 32, timezone.now())
    client = Client()
    response = client.post("/vote/recepisse/courriel/", {"courriel": "electeur@exemple.fr", "signature": receipt.signature,
                                                         "document": json.dumps(receipt.document)})  # fmt: skip
    assert (
        response.status_code == 200 and "envoyé à electeur@exemple.fr" in response.content.decode()
    )
    [mail] = smtp_sink.messages
    body = mail.get_payload(decode=True).decode()
    assert "cd" * 32 in body and receipt.signature in body and "011-C" in body


def test_issue_6_receipt_email_is_not_an_open_relay(smtp_sink: SmtpSink) -> None:  # noqa: F811
    receipt = make_receipt("ab" * 32, "011-C", "cd" * 32, timezone.now())
    forged = receipt.document | {"urn": "Achetez maintenant !"}
    response = Client().post("/vote/recepisse/courriel/", {"courriel": "x@exemple.fr", "signature": receipt.signature,
                                                           "document": json.dumps(forged)})  # fmt: skip
    assert response.status_code == 400 and smtp_sink.messages == []
    client = Client()
    statuses = [client.post("/vote/recepisse/courriel/", {"courriel": "x@exemple.fr", "signature": receipt.signature,
                                                          "document": json.dumps(receipt.document)}).status_code
                for _ in range(7)]  # fmt: skip
    assert statuses[:3] == [200] * 3 and statuses[3:] == [429] * 4  # a few times per receipt
    assert "déjà été envoyé 3 fois" in client.post("/vote/recepisse/courriel/", {
        "courriel": "x@exemple.fr", "signature": receipt.signature,
        "document": json.dumps(receipt.document)}).content.decode()  # fmt: skip
    assert len(smtp_sink.messages) == 3


def test_review_12_1_receipts_of_voters_sharing_an_address_are_all_sent(
    smtp_sink: SmtpSink,  # noqa: F811
    settings: Any,
) -> None:
    """Voters behind one address (the proxy's, or a carrier's NAT) each get their receipt: the
    limit is per receipt, the per-address bound only stops a burst."""
    settings.SCRUTIN_TRUSTED_PROXIES = "10.0.0.5"
    for n in range(12):
        receipt = make_receipt("ab" * 32, "011-C", f"{n:02x}" * 32, timezone.now())
        response = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="100.64.0.1").post(
            "/vote/recepisse/courriel/", {"courriel": f"electeur{n}@exemple.fr",
            "signature": receipt.signature, "document": json.dumps(receipt.document)})  # fmt: skip
        assert response.status_code == 200
    assert len(smtp_sink.messages) == 12


def test_review_12_emailed_receipt_names_the_election_and_keeps_the_proof(open_urn: Any) -> None:
    """Issue 12: « Scrutin : 011-I » meant nothing to a voter; the technical proof stays."""
    from scrutin.platform.voting.receipts import receipt_text

    moment = datetime(2026, 10, 27, 9, 5, tzinfo=UTC)
    receipt = make_receipt("ab" * 32, open_urn.code, "cd" * 32, moment)
    body = receipt_text(receipt.document, receipt.signature)
    assert f"Élection : {open_urn.site_title} — {open_urn.category.label}" in body
    assert "Date et heure du vote : mardi 27 octobre 2026 à 10 h 05 (heure de Paris)" in body
    assert f"Numéro de suivi de votre bulletin : {' '.join(['cdcdcdcd'] * 8)}" in body
    assert "Scrutin :" not in body
    assert receipt.signature in body and json.dumps(receipt.document, ensure_ascii=False) in body
