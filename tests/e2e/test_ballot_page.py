"""The ballot page in real Chromium (issue 6, steps 3 to 6): choose, recap, confirm, encrypt in
the browser, cast, receipt; accessibility (axe-core), keyboard, 320 px."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from scrutin.crypto.ballot import check_ballot_json
from scrutin.crypto.params import parse_parameters
from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.candidates.models import Candidate, Groupement
from scrutin.platform.electoral.models import Urn
from scrutin.platform.voting.models import Emargement, UrnElection
from scrutin.verify.ballots import check_ballot
from scrutin.verify.election import read_election

from .conftest import axe_violations, person, signed_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True),
]


def test_cctp_4_1_4_5_whole_ballot_path_in_chromium(
    voting_urn: Urn, page: Any, live_server: Any
) -> None:
    signed_in(page, live_server, "0110000000001")
    page.goto(f"{live_server.url}/vote/bulletin/")
    assert axe_violations(page) == []
    page.get_by_role(
        "button", name="Choisir les 2 candidats du groupement"
    ).click()  # CCIR, 2 seats
    page.get_by_label("M. Marc SIMON").check()  # CCIT: panachage
    page.get_by_label("M. Louis MOREAU").check()
    assert "2 candidats choisis sur 3" in page.locator("#compteur-ccit").inner_text()
    page.get_by_role("button", name="Vérifier mon vote").click()
    recap = page.locator("#recap-contenu").inner_text()
    assert "Mme Claire MARTIN" in recap and "M. Paul DURAND" in recap and "M. Louis MOREAU" in recap
    assert axe_violations(page) == []
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.get_by_role("button", name="Je confirme mon vote (définitif)").click()
    page.wait_for_selector("h1:has-text('Votre vote est enregistré')", timeout=60000)
    assert axe_violations(page) == [], messages
    tracker = page.locator("code.tracker").first.inner_text().replace(" ", "")  # shown in groups
    ballots = list(Ballot.objects.using("ballotbox").all())
    assert [b.fingerprint for b in ballots] == [tracker]
    election_doc = UrnElection.objects.get(urn=voting_urn).params
    check_ballot_json(parse_parameters(election_doc), ballots[0].content)  # what the server ran
    independent = read_election(election_doc)  # and the independent verifier's own check
    check_ballot(independent, independent.public_key(), ballots[0].content)
    assert Emargement.objects.filter(elector_number="0110000000001").exists()


def test_too_many_choices_are_refused_and_announced(
    voting_urn: Urn, page: Any, live_server: Any
) -> None:
    signed_in(page, live_server, "0110000000002")
    page.goto(f"{live_server.url}/vote/bulletin/")
    page.get_by_label("Mme Claire MARTIN").check()
    page.get_by_label("M. Paul DURAND").check()
    page.get_by_label("Mme Anne PETIT").click()  # a third choice for 2 seats
    assert not page.get_by_label("Mme Anne PETIT").is_checked()
    alert = page.locator("#probleme-ccir")
    assert alert.is_visible() and "plus de 2 candidats" in alert.inner_text()
    assert (
        page.locator(".problem.near").get_attribute("role") == "alert"
    )  # announced next to the box


def test_blank_vote_must_be_explicit_then_is_cast(
    voting_urn: Urn, page: Any, live_server: Any
) -> None:
    signed_in(page, live_server, "0110000000003")
    page.goto(f"{live_server.url}/vote/bulletin/")
    page.get_by_role("button", name="Vérifier mon vote").click()
    assert "cochez « Je vote blanc »" in page.locator("#probleme-ccir").inner_text()
    page.locator("#blanc-ccir").check()
    page.locator("#blanc-ccit").check()
    page.get_by_role("button", name="Vérifier mon vote").click()
    assert page.locator("#recap-contenu").inner_text().count("Vote blanc.") == 2
    page.get_by_role("button", name="Modifier mon vote").click()
    assert page.locator("#blanc-ccir").is_visible()
    page.get_by_role("button", name="Vérifier mon vote").click()
    page.get_by_role("button", name="Je confirme mon vote (définitif)").click()
    page.wait_for_selector("text=Votre vote est enregistré")
    assert Ballot.objects.using("ballotbox").count() == 1


def test_keyboard_only_at_320px(voting_urn: Urn, browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="fr-FR")
    page = context.new_page()
    signed_in(page, live_server, "0110000000004")
    page.goto(f"{live_server.url}/vote/bulletin/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.locator("#c" + str(Candidate.objects.get(last_name="Petit").pk)).focus()
    page.keyboard.press("Space")
    for last in ("Roux",):
        page.locator("#c" + str(Candidate.objects.get(last_name=last).pk)).focus()
        page.keyboard.press("Space")
    page.locator("#vers-recap").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "titre-recap"
    page.locator("#confirmer").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Votre vote est enregistré")
    context.close()


def test_second_attempt_is_refused_politely(voting_urn: Urn, page: Any, live_server: Any) -> None:
    Emargement.objects.create(
        elector_number="0110000000005", urn=voting_urn, voted_at=timezone.now()
    )
    signed_in(page, live_server, "0110000000005")
    page.goto(f"{live_server.url}/vote/bulletin/")
    assert page.get_by_role("heading", name="Vous avez déjà voté").is_visible()
    assert axe_violations(page) == []


def test_cctp_4_1_5_suspended_election_shows_the_commission_message(
    voting_urn: Urn, page: Any, live_server: Any
) -> None:
    UrnElection.objects.filter(urn=voting_urn).update(
        suspended=True, suspension_message="Vote suspendu : incident technique en cours."
    )
    signed_in(page, live_server, "0110000000006")
    page.goto(f"{live_server.url}/vote/bulletin/")
    assert "incident technique" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    assert page.locator("#vote-app").count() == 0


def test_without_javascript_the_voter_gets_an_explanation(
    voting_urn: Urn, browser: Any, live_server: Any
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    signed_in(page, live_server, "0110000000007")
    page.goto(f"{live_server.url}/vote/bulletin/")
    text = page.locator("main").inner_text()
    assert "activez JavaScript" in text and "Aucune installation" in text
    assert not page.locator("#vers-recap").is_visible()
    context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_rgaa_13_1_session_expiry_warning_and_extension(voting_urn: Urn, browser: Any, live_server: Any,
                                                         settings: Any, width: int) -> None:  # fmt: skip
    settings.SCRUTIN_VOTER_SESSION_SECONDS = 126  # the warning comes two minutes before the end
    context = browser.new_context(viewport={"width": width, "height": 700}, locale="fr-FR")
    page = context.new_page()
    signed_in(page, live_server, "0110000000008")
    page.goto(f"{live_server.url}/vote/bulletin/")
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for(state="visible", timeout=20000)
    assert "expirer dans 2 minutes" in dialog.inner_text()
    assert page.evaluate("document.activeElement.id") == "prolonger"
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden", timeout=10000)
    context.close()


def test_issue_6_page_weights(voting_urn: Urn, page: Any, live_server: Any) -> None:
    """Every voter page under 60 KB transferred, the ballot page with its bundle under 250 KB;
    nothing from another host."""
    sizes: dict[str, int] = {}
    hosts: set[str] = set()

    def count(response: Any) -> None:
        hosts.add(response.url.split("/")[2])
        sizes[page.url] = sizes.get(page.url, 0) + len(response.body())

    page.on("response", count)
    page.goto(f"{live_server.url}/vote/")
    login_weight = sum(sizes.values())
    sizes.clear()
    signed_in(page, live_server, "0110000000009")
    page.goto(f"{live_server.url}/vote/bulletin/")
    page.wait_for_load_state("networkidle")
    ballot_weight = sum(sizes.values())
    assert login_weight < 60_000, login_weight
    assert ballot_weight < 250_000, ballot_weight
    assert hosts == {live_server.url.split("/")[2]}


def test_review_12_ballot_wording_and_namesakes_told_apart_on_the_recap(
    voting_urn: Urn, page: Any, live_server: Any
) -> None:
    """Issue 12: « Sièges à pourvoir », no repeated CCIT title, « suppléant » or « suppléante »
    per person, the groupement button's grammar, the over-limit message next to the box just
    ticked, and two candidates of the same name told apart on the recap."""
    ccit = voting_urn.questions.get(kind="CCIT")
    Candidate.objects.filter(last_name="Martin").update(
        substitute_civility="M.", substitute_first_name="Jean", substitute_last_name="Blanc")  # fmt: skip
    Candidate.objects.filter(last_name="Durand").update(
        substitute_civility="Mme", substitute_first_name="Léa", substitute_last_name="Noir")  # fmt: skip
    Candidate.objects.create(registration=3, **dict(person(ccit, "Roux", "Julie"), town="Oyonnax"))
    solo = Groupement.objects.create(question=ccit, name="Seul", registration=4)
    Candidate.objects.create(groupement=solo, position=1, **person(ccit, "Blanc", "Hugo"))
    signed_in(page, live_server, "0110000000005")
    page.goto(f"{live_server.url}/vote/bulletin/")
    text = page.locator("main").inner_text()
    assert "Sièges à pourvoir : 2." in text and "Sièges à pourvoir : 3." in text
    assert "Membre de la" not in text and "suppléant·e" not in text
    assert "suppléant : M. Jean BLANC" in text and "suppléante : Mme Léa NOIR" in text
    assert page.locator("#q-ccit legend").inner_text().count("CCI de l'Ain") == 1
    assert page.get_by_role("button", name="Choisir le candidat du groupement").count() == 1
    assert page.get_by_role("button", name="Choisir les 3 candidats du groupement").count() == 1
    assert "(1 candidat)" not in text
    # over the limit: said next to the box just ticked, and announced there
    page.get_by_label("Mme Claire MARTIN").check()
    page.get_by_label("M. Paul DURAND").check()
    page.get_by_label("Mme Anne PETIT").click()
    near = page.locator(
        f"#q-ccir li:has(#c{Candidate.objects.get(last_name='Petit').pk}) .problem.near"
    )
    assert near.is_visible() and "plus de 2 candidats" in near.inner_text()
    assert near.get_attribute("role") == "alert"
    assert page.locator("#probleme-ccir").get_attribute("role") is None  # not announced twice
    assert axe_violations(page) == []
    # namesakes: the recap says what tells them apart
    for box in page.locator("#q-ccit input.candidate").all():
        if "Julie" in (page.locator(f"label[for={box.get_attribute('id')}]").inner_text()):
            box.check()
    page.get_by_role("button", name="Vérifier mon vote").click()
    lines = page.locator("#recap-contenu li").all_inner_texts()
    julies = [line for line in lines if line.startswith("Mme Julie ROUX")]
    assert len(julies) == 2 and julies[0] != julies[1]
    assert any("Oyonnax" in line for line in julies) and any(
        "Commerce uni" in line for line in julies
    )


def test_review_12_code_field_can_be_shown(voting_urn: Urn, page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/vote/")
    page.fill("#code", "ABCDE-FGHJK-LMNPQ")
    toggle = page.get_by_role("button", name="Afficher le code")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.locator("#code").get_attribute("type") == "password"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.locator("#code").get_attribute("type") == "text"
    toggle.click()
    assert page.locator("#code").get_attribute("type") == "password"
    assert axe_violations(page) == []


def test_review_12_receipt_fits_a_360px_phone_and_speaks_to_the_voter(
    voting_urn: Urn, browser: Any, live_server: Any
) -> None:
    """Issue 12: the page was 671 px wide at 360 px; a raw JSON document, a 128-character
    signature and « Scrutin : 011-C » were all the voter saw."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    signed_in(page, live_server, "0110000000006")
    page.goto(f"{live_server.url}/vote/bulletin/")
    page.locator("#blanc-ccir").check()
    page.locator("#blanc-ccit").check()
    page.get_by_role("button", name="Vérifier mon vote").click()
    page.get_by_role("button", name="Je confirme mon vote (définitif)").click()
    page.wait_for_selector("h1:has-text('Votre vote est enregistré')", timeout=60000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    text = page.locator("main").inner_text()
    assert f"{voting_urn.site_title} — Commerce" in text
    assert "Scrutin" not in page.locator("dl.receipt").first.inner_text()
    tracker = Ballot.objects.using("ballotbox").get().fingerprint
    shown = page.locator("code.tracker").inner_text()
    assert shown.replace(" ", "") == tracker and len(shown.split()) == 8
    proof = page.locator("details.proof")
    assert (
        proof.get_attribute("open") is None and not page.locator(".proof-text").first.is_visible()
    )
    assert axe_violations(page) == []
    proof.locator("summary").click()
    assert page.locator(".proof-text").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.emulate_media(media="print")  # the printed receipt carries the technical proof
    proof.locator("summary").click()
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator(".proof-text").first.is_visible()
    context.close()
