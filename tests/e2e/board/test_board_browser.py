"""The public ballot board in Chromium (issue 17): the voter pastes the technical proof of their
receipt, the page checks the platform's Ed25519 signature itself, then finds the ballot; the page
is accessible (axe-core) on a 360 px phone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.voting.receipts import make_receipt

from ...integration.tally.conftest import Vote
from ..conftest import axe_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True),
]


def test_issue_17_the_page_checks_the_receipt_signature_and_finds_the_ballot(
    closed_vote: Vote, browser: Any, live_server: Any, tmp_path: Path
) -> None:
    urn = closed_vote.urn
    tracker = Ballot.objects.filter(urn_code=urn.code).values_list("fingerprint", flat=True)[5]
    receipt = make_receipt(
        "election-test", urn.code, tracker, datetime(2026, 11, 20, 10, tzinfo=UTC)
    )
    document = json.dumps(receipt.document, ensure_ascii=False)
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/urnes/{urn.code}/")
    page.fill("#document", document)
    page.fill("#signature", receipt.signature)
    page.click("button[data-check-receipt]")
    verdict = page.locator("#verdict")
    assert "Accusé de réception authentique" in verdict.inner_text()
    page.screenshot(path=str(tmp_path / "urne-360.png"), full_page=True)
    page.click("button[type=submit]")  # the tracker was filled in by the check
    assert "Votre bulletin est dans l'urne." in page.locator("[role=status]").first.inner_text()
    assert axe_violations(page) == []
    # a receipt whose document was changed (another tracker) no longer verifies
    forged = document.replace(tracker[:8], "00000000" if tracker[:8] != "00000000" else "11111111")
    page.fill("#document", forged)
    page.fill("#signature", receipt.signature)
    page.click("button[data-check-receipt]")
    assert "Signature incorrecte" in verdict.inner_text()
    page.goto(f"{live_server.url}/urnes/")
    assert axe_violations(page) == []
    context.close()
