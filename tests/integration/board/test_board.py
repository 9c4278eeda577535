"""The public ballot board (issue 17): nothing before the closing; after it, the count and the
tracker lookup; after the tally, the record anyone can verify."""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.electoral.models import Urn
from scrutin.platform.voting.receipts import tracker_groups
from scrutin.verify.record import verify_record

from ..tally.conftest import Vote, prepare
from ..tally.test_tally import tallied

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def test_issue_17_nothing_is_published_before_the_closing(tmp_path: Path, settings: Any) -> None:
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()
    urn, _ = prepare(tmp_path)
    client = Client()
    assert "Aucune urne n'est encore close" in html.unescape(client.get("/urnes/").content.decode())
    assert client.get(f"/urnes/{urn.code}/").status_code == 404
    assert client.get(f"/urnes/{urn.code}/registre.zip").status_code == 404


def test_issue_17_a_voter_finds_their_tracker_after_the_closing(closed_vote: Vote) -> None:
    client = Client()
    urn = closed_vote.urn
    index = html.unescape(client.get("/urnes/").content.decode())
    assert "12 bulletins dans l'urne" in index and "dépouillement à venir" in index
    tracker = Ballot.objects.filter(urn_code=urn.code).values_list("fingerprint", flat=True)[3]
    # as printed on the receipt: groups of eight, here in capitals
    page = client.get(f"/urnes/{urn.code}/", {"suivi": tracker_groups(tracker).upper()})
    text = html.unescape(page.content.decode())
    assert page["Cache-Control"] == "no-store"
    assert "Votre bulletin est dans l'urne." in text and tracker_groups(tracker) in text
    other = ("0" if tracker[0] != "0" else "1") + tracker[1:]
    text = html.unescape(client.get(f"/urnes/{urn.code}/", {"suivi": other}).content.decode())
    assert "Aucun bulletin de cette urne ne porte ce numéro." in text
    text = html.unescape(client.get(f"/urnes/{urn.code}/", {"suivi": "12345"}).content.decode())
    assert "n'a pas la bonne forme" in text
    assert client.get(f"/urnes/{urn.code}/registre.zip").status_code == 404


def test_issue_17_the_published_record_verifies(closed_vote: Vote, tmp_path: Path) -> None:
    tallied(closed_vote)
    client = Client()
    urn = Urn.objects.get(pk=closed_vote.urn.pk)
    text = client.get(f"/urnes/{urn.code}/").content.decode()
    assert "Le dépouillement est terminé." in text and "registre.zip" in text
    response = client.get(f"/urnes/{urn.code}/registre.zip")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path / "z")
    report = verify_record(tmp_path / "z" / f"registre-{urn.code}", workers=1)
    assert report.valid, report.render()
    tracker = Ballot.objects.filter(urn_code=urn.code).values_list("fingerprint", flat=True)[0]
    text = client.get(f"/urnes/{urn.code}/", {"suivi": tracker}).content.decode()
    assert "comptés lors du dépouillement" in text
