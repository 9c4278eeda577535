"""Requests and identity documents are kept until the end of the appeal period, then deleted by
a command that says what it deleted (issue 14); the documents' key can be rotated."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from scrutin.cli import main as cli
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.resend import services, storage
from scrutin.platform.resend.models import IdentityDocument, ResendRequest

from .conftest import Resend, identity_of, png, post_request

pytestmark = pytest.mark.django_db


def _run(*args: str) -> Any:
    cli._register() if not cli.app.registered_groups else None
    return CliRunner().invoke(cli.app, ["resend", *args])


def _two_requests(resend: Resend) -> tuple[ResendRequest, ResendRequest]:
    assert post_request(Client(), identity_of(resend.own), png()).status_code == 200
    ain = ResendRequest.objects.get(cci_code="011")
    reunion = services.open_request(number=resend.other.number, origin="coe",
                                    user=resend.coe_other, note="courrier revenu")  # fmt: skip
    return ain, reunion


def test_purge_deletes_only_past_the_appeal_period_and_says_what(resend: Resend) -> None:
    ain, reunion = _two_requests(resend)
    nothing = _run("purge")
    assert nothing.exit_code == 0 and "Aucune demande à supprimer" in nothing.output
    yesterday = timezone.localdate() - timedelta(days=1)
    assert _run("fin-recours", yesterday.isoformat(), "--cci", "011").exit_code == 0
    assert _run("fin-recours", (yesterday + timedelta(days=30)).isoformat()).exit_code == 0
    dry = _run("purge", "--dry-run")
    assert (
        "CCI 011" in dry.output
        and "1 demande(s) et 1 pièce(s) d'identité seraient supprimées" in dry.output
    )
    assert ain.reference in dry.output and ResendRequest.objects.count() == 2
    done = _run("purge")
    assert done.exit_code == 0, done.output
    assert (
        "CCI 011" in done.output and ain.reference in done.output and "CCI 974" not in done.output
    )
    assert list(ResendRequest.objects.all()) == [reunion]
    assert IdentityDocument.objects.count() == 0
    entry = JournalEntry.objects.get(event="resend:request:purge")
    assert entry.data["count"] == 1 and entry.data["references"] == [ain.reference]
    assert JournalEntry.objects.filter(event="resend:retention:set").count() == 2


def test_appeal_end_must_be_a_date(resend: Resend) -> None:
    result = _run("fin-recours", "15/01/2027")
    assert result.exit_code == 2 and "AAAA-MM-JJ" in result.output


def test_national_end_applies_to_ccis_without_their_own(resend: Resend) -> None:
    _two_requests(resend)
    from scrutin.platform.resend.retention import purge, set_appeal_end

    set_appeal_end("", date(2026, 1, 10), actor="test")
    report = purge(today=date(2026, 1, 11))
    assert sorted((r.cci_code, r.requests) for r in report) == [("011", 1), ("974", 1)]
    assert ResendRequest.objects.count() == 0


def test_key_rotation_reseals_every_document(resend: Resend) -> None:
    upload = png(text="PASSEPORT")
    assert post_request(Client(), identity_of(resend.own), upload).status_code == 200
    before = IdentityDocument.objects.get()
    first_key = before.key_id
    result = _run("rotate-key")
    assert result.exit_code == 0, result.output
    after = IdentityDocument.objects.get()
    assert after.key_id != first_key and bytes(after.sealed) != bytes(before.sealed)
    data, _ = services.read_document(after.request, user=resend.coe)
    assert data == upload
    _run("rotate-key")
    ids = [key_id for key_id, _ in storage.all_keys()]
    assert first_key not in ids and len(ids) == 2  # current and previous


def test_document_moved_to_another_request_does_not_open(resend: Resend) -> None:
    assert post_request(Client(), identity_of(resend.own), png()).status_code == 200
    doc = IdentityDocument.objects.get()
    other = services.open_request(number=resend.own.number, origin="coe", user=resend.coe, note="")
    assert other.pk == doc.request_id  # the pending request of that line is returned as is
    import nacl.exceptions

    with pytest.raises(nacl.exceptions.CryptoError):
        storage.open_sealed(storage.Sealed(doc.key_id, bytes(doc.sealed)), "0" * 36, doc.kind)
