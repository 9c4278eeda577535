"""Voter login in real Chromium (issue 6, step 1; CCTP 4.1.4.2): identifier + code, then birth
date (skipped for 01011901); lockout after repeated failures, same message for unknown
identifiers; then the ballot."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from scrutin.platform.electoral.models import Elector, Urn

from .conftest import axe_violations, issue_codes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True),
]


@pytest.fixture
def issued(voting_urn: Urn, settings: Any, tmp_path: Path) -> dict[str, str]:
    settings.VAR_DIR = tmp_path
    return issue_codes("011")


def login(page: Any, url: str, identifier: str, code: str) -> None:
    page.goto(f"{url}/vote/")
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Code confidentiel").fill(code)
    page.get_by_role("button", name="Continuer").click()


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


def test_cctp_4_1_4_2_two_step_login_then_ballot(
    voting_urn: Urn, issued: dict[str, str], page: Any, live_server: Any
) -> None:
    Elector.objects.filter(number="0110000000001").update(birth_date=date(1975, 7, 4))
    code = issued["0110000000001"]
    page.goto(f"{live_server.url}/vote/")
    assert axe_violations(page) == []
    login(
        page, live_server.url, "011 0000 000 001", code.lower().replace("-", " ")
    )  # spaces, case tolerated
    assert page.get_by_role("heading", name="Vérification : votre date de naissance").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Jour").fill("05")
    page.get_by_label("Mois").fill("07")
    page.get_by_label("Année").fill("1975")
    page.get_by_role("button", name="Continuer").click()
    assert "Date de naissance incorrecte" in page.get_by_role("alert").inner_text()
    page.get_by_label("Jour").fill("4")
    page.get_by_label("Mois").fill("7")
    page.get_by_label("Année").fill("1975")
    page.get_by_role("button", name="Continuer").click()
    assert page.get_by_role("heading", name="Mon bulletin de vote").is_visible()


def test_annex_7_1_3_unknown_birth_date_skips_the_second_step(
    voting_urn: Urn, issued: dict[str, str], page: Any, live_server: Any
) -> None:
    Elector.objects.filter(number="0110000000002").update(birth_date=None)
    login(page, live_server.url, "0110000000002", issued["0110000000002"])
    assert page.get_by_role("heading", name="Mon bulletin de vote").is_visible()


def test_issue_6_lockout_with_the_same_message_for_unknown_identifiers(
    voting_urn: Urn, issued: dict[str, str], page: Any, live_server: Any
) -> None:
    messages = {}
    for identifier in ("0110000000003", "0119999999999"):
        for _ in range(4):
            login(page, live_server.url, identifier, "AAAA-BBBB-CCCC")
        messages[identifier] = page.get_by_role("alert").inner_text()
        login(page, live_server.url, identifier, "AAAA-BBBB-CCCC")
        assert "bloquée jusqu'à" in page.get_by_role("alert").inner_text()
    assert messages["0110000000003"] == messages["0119999999999"]
    login(
        page, live_server.url, "0110000000003", issued["0110000000003"]
    )  # right code, still locked
    assert "bloquée jusqu'à" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("heading", name="Voter en ligne").is_visible()


def test_review_12_1_the_browser_solves_the_proof_of_work_and_the_voter_gets_in(
    voting_urn: Urn, issued: dict[str, str], page: Any, live_server: Any, settings: Any
) -> None:
    """After many failures from the voter's address, the login page asks for a proof of work:
    preuve.js solves it in the page (the voter only waits), the server accepts it, the voter
    reaches the ballot; the page explains it in French and passes axe."""
    settings.SCRUTIN_VOTER_SOURCE_FREE_FAILURES = 3
    settings.SCRUTIN_VOTER_POW_BITS = 14
    Elector.objects.filter(number="0110000000004").update(birth_date=None)
    for n in range(3):
        login(page, live_server.url, f"011999999999{n}", "AAAA-BBBB-CCCC")
    page.goto(f"{live_server.url}/vote/")
    assert page.get_by_role("heading", name="Vérification de sécurité").is_visible()
    page.get_by_text("Calcul terminé : vous pouvez valider.").wait_for()
    assert axe_violations(page) == []
    login(page, live_server.url, "0110000000004", issued["0110000000004"])  # submits at once
    page.wait_for_url(f"{live_server.url}/vote/bulletin/")
    assert page.get_by_role("heading", name="Mon bulletin de vote").is_visible()
