"""Malformed casts (review issue 12.8): a deeply nested or oversized ballot, a huge integer,
a duplicate key or NaN is refused with 400 and the French message of an invalid ballot, never a
500; a body above the cap is refused before it is read; the voter can still vote afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from scrutin.platform.electoral.models import Urn
from scrutin.platform.voting.cast import INVALID_BALLOT
from scrutin.platform.voting.models import Emargement
from scrutin.platform.voting.session import SESSION_KEY, signed_in

from .conftest import ballot_for, elector

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def _voter_client(n: int) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = signed_in(elector(n).number)
    session.save()
    return client


def _refused(response: Any) -> None:
    assert response.status_code == 400
    assert INVALID_BALLOT.replace("'", "&#x27;") in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        "[" * 60_000 + "]" * 60_000,
        '{"format": ' + "9" * 5000 + "}",
        '{"format": 1, "format": 2}',
        '{"format": NaN}',
        '["\\udc00"]',
    ],
    ids=["nested", "huge-integer", "duplicate-key", "nan", "lone-surrogate"],
)
def test_review_12_8_malformed_ballot_is_a_400_in_french(open_urn: Urn, body: str) -> None:
    client = _voter_client(1)
    _refused(client.post("/vote/depot/", {"bulletin": body}))
    assert not Emargement.objects.exists()
    # the session survives a refused deposit: the real ballot is then accepted
    response = client.post("/vote/depot/", {"bulletin": json.dumps(ballot_for(open_urn))})
    assert response.status_code == 200 and Emargement.objects.count() == 1


def test_review_12_8_body_above_the_cap_is_refused_before_it_is_read(
    open_urn: Urn, settings: Any
) -> None:
    settings.SCRUTIN_BALLOT_MAX_BYTES = 10_000
    client = _voter_client(2)
    padding = "0" * 40_000  # past 3 x the ballot cap plus the form margin of 64 KiB
    response = client.post("/vote/depot/", {"bulletin": "[" + padding * 3 + "]"})
    _refused(response)
    # below the body cap but above the ballot cap: refused by the strict reader
    _refused(client.post("/vote/depot/", {"bulletin": json.dumps([padding])}))
    assert not Emargement.objects.exists()


def test_review_19_4_receipt_form_above_its_cap_is_refused_in_french(open_urn: Urn) -> None:
    response = Client().post("/vote/recepisse/courriel/", {"document": "x" * 70_000})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.content.decode()
    assert "il n&#x27;a pas été lu" in response.content.decode()
