"""Malformed partial decryptions (review issue 19.5): a 60,000-deep document or a 5,000-digit
integer, posted as JSON or uploaded as a file, is refused in French (400), never a 500; a body
above the cap is refused before it is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from scrutin.platform.tally.models import TallySession

from ..accounts.world import make_user
from .conftest import Vote

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)

BAD = [b"[" * 60_000 + b"]" * 60_000, b'{"format": ' + b"7" * 5000 + b"}", b'{"a": 1, "a": 1}']


def test_review_19_5_malformed_partials_are_refused_in_french(
    closed_vote: Vote, settings: Any
) -> None:
    settings.SCRUTIN_IMPORTS_INLINE = True  # the aggregation job runs in the request
    president = Client()
    president.force_login(make_user("PRESCOE", ["011"], name="president@cci.test"))
    code = closed_vote.urn.code
    assert president.post(reverse("tally:start", kwargs={"code": code})).status_code == 302
    url = reverse("tally:partial", kwargs={"code": code})
    for body in BAD:
        response = president.post(url, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"].startswith("Fichier illisible : ")
        upload = SimpleUploadedFile("partiel.json", body, content_type="application/json")
        page = president.post(url, {"fichier": upload}, follow=True).content.decode()
        assert "Fichier illisible" in page
    assert TallySession.objects.get(urn=closed_vote.urn).state == "waiting"


def test_review_19_4_partial_above_the_cap_is_refused_before_it_is_read(
    closed_vote: Vote, monkeypatch: Any
) -> None:
    from scrutin.platform.tally import views

    monkeypatch.setattr(views.partial, "scrutin_body_limit", 1000)
    president = Client()
    president.force_login(make_user("PRESCOE", ["011"], name="president@cci.test"))
    url = reverse("tally:partial", kwargs={"code": closed_vote.urn.code})
    response = president.post(url, b"[" + b"1," * 1000 + b"1]", content_type="application/json")
    assert response.status_code == 413 and "trop volumineux" in response.json()["error"]
