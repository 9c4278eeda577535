"""The voter's receipt (issue 6, step 6): signed by the platform, e-mailed on request through a
real SMTP server, never stored, refused when forged."""

from __future__ import annotations

import json

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
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
