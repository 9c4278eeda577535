"""The voter's path and the key holder's partial decryption in Firefox ESR and in WebKit
(CCTP 4.2.4.1: the site works in the browsers voters use, not only in Chromium).

For each engine, over real HTTP against the live server: after a wrong login from the same
network, two electors sign in with the codes the credentials service issued (the page solving the
proof of work then asked; one elector with the birth-date step), choose, check the recap, let the page
encrypt and cast, and read their receipt; the server stored exactly those ballots, each valid for
the server's own check and for the independent verifier's. The urn is then closed, aggregated,
and the COE president and one assessor decrypt in that engine's browser (closing seal, sum of
the ballots recomputed in Web Workers, keystore opened with Argon2id): the tally finishes with
the choices made, and ``scrutin verify`` accepts the record.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from scrutin.crypto.ballot import check_ballot_json
from scrutin.crypto.params import parse_parameters
from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.candidates.models import Candidate
from scrutin.platform.electoral.models import Elector
from scrutin.platform.sealing import services as sealing
from scrutin.platform.tally import services as tally
from scrutin.platform.tally.models import TallySession
from scrutin.platform.voting.models import Emargement
from scrutin.verify.ballots import check_ballot
from scrutin.verify.election import read_election

from ..integration.tally.conftest import prepare
from .conftest import PASS, designate_holders, issue_codes
from .election_http import scrutin
from .engines import ENGINES, Engine, Engines

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True),
]

WAIT = 180  # seconds: encryption, the sum in Web Workers and Argon2id on a shared CI machine
# per voter: the candidates ticked (by last name) and the questions voted blank
VOTERS = {
    "0110000000001": ({"Alpha", "Charlie", "Golf"}, set(), date(1975, 7, 4)),
    "0110000000002": ({"Delta", "Echo"}, {"ccir"}, None),
}


def vote(engine: Engine, url: str, number: str, code: str, born: date | None,
         ticked: set[str], blank: set[str]) -> str:  # fmt: skip
    """One elector's whole path in ``engine``; returns the tracker printed on the receipt."""
    engine.goto(f"{url}/vote/")
    engine.wait_text("h1", "Voter en ligne")
    engine.fill("#identifiant", number)
    engine.fill("#code", code)
    engine.click("#afficher-code")  # login.js: the voter may read the code typed
    assert engine.evaluate("document.getElementById('code').type") == "text"
    # wrong logins came from this network: the page solves a proof of work first (preuve.js)
    engine.wait_text("#preuve-etat", "Calcul terminé", timeout=WAIT)
    engine.submit("button[type=submit]")
    if born is not None:
        engine.wait_text("h1", "Vérification : votre date de naissance")
        engine.fill("#jour", f"{born.day}")
        engine.fill("#mois", f"{born.month:02d}")
        engine.fill("#annee", f"{born.year}")
        engine.submit("button[type=submit]")
    engine.wait_text("h1", "Mon bulletin de vote")
    for last in sorted(ticked):
        engine.click(f"label[for=c{Candidate.objects.get(last_name=last).pk}]")
    for question in sorted(blank):
        engine.click(f"label[for=blanc-{question}]")
    engine.click("#vers-recap")
    recap = engine.wait_text("#recap-contenu", "Jean")
    for last in ticked:
        assert last.upper() in recap, (engine.name, recap)
    assert recap.count("Vote blanc.") == len(blank), recap
    engine.submit("#confirmer")  # encrypts in the page, then posts the ballot
    engine.wait_text("h1", "Votre vote est enregistré", timeout=WAIT)
    return engine.text("code.tracker").replace(" ", "")  # shown in groups of eight


def decrypt(engine: Engine, url: str, user: Any, keystore: Path, passphrase: str) -> str:
    """One key holder's partial decryption in ``engine``; returns the page's success message."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    engine.cookie(f"{url}/", django_settings.SESSION_COOKIE_NAME, cookie)
    engine.goto(f"{url}/gestion/ceremonie/dechiffrer/011-C/")
    engine.upload("#cle-fichier", keystore)
    engine.fill("#cle-phrase", passphrase)
    engine.click("#dechiffrer")
    success = engine.wait_text("#succes", "accepté", timeout=WAIT)
    voters = len(VOTERS)
    assert engine.text("#somme") == f"Somme vérifiée : {voters} / {voters} bulletins."
    summed = engine.text("#somme-resultat")
    assert summed.startswith(f"identique au dépouillement présenté ({voters} bulletins"), summed
    assert "fils de calcul" in summed, summed  # the page's Web Workers did the adding
    return success


@pytest.mark.parametrize("name", ENGINES)
def test_cctp_4_2_4_1_vote_and_browser_decryption_in_firefox_and_webkit(
    name: str, engines: Engines, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()
    settings.SCRUTIN_LOGIN_MIN_SECONDS = 0  # no sign-in padding (it is a sleep)
    cache.clear()  # login counters of other tests
    if name == "webkit":
        # The live server speaks plain HTTP. Chromium and Firefox treat http://localhost as a
        # secure origin and keep the site's ``Secure`` cookies; WebKit drops them (CSRF check
        # then refuses every form). Production is HTTPS only, where WebKit keeps them.
        settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    urn, shares = prepare(tmp_path, electors=4)
    codes = issue_codes("011")
    for number, (_, _, born) in VOTERS.items():
        Elector.objects.filter(number=number).update(birth_date=born)

    settings.SCRUTIN_VOTER_SOURCE_FREE_FAILURES = 1  # one wrong login: a proof of work then
    settings.SCRUTIN_VOTER_POW_BITS = 14
    intruder = engines.open(name)
    intruder.goto(f"{live_server.url}/vote/")
    intruder.fill("#identifiant", "0119999999999")
    intruder.fill("#code", "AAAA-BBBB-CCCC")
    intruder.submit("button[type=submit]")
    intruder.wait_text("#erreur", "incorrect")
    intruder.close()

    trackers = {}
    for number, (ticked, blank, born) in VOTERS.items():
        voter = engines.open(name)  # each elector in a browser of their own
        trackers[number] = vote(voter, live_server.url, number, codes[number], born, ticked, blank)
        voter.close()

    # the server kept those ballots and nothing else; each passes both checks
    ballots = {b.fingerprint: b.content for b in Ballot.objects.using("ballotbox").all()}
    assert sorted(ballots) == sorted(trackers.values())
    election_doc = urn.election.params
    params, independent = parse_parameters(election_doc), read_election(election_doc)
    for content in ballots.values():
        check_ballot_json(params, content)
        check_ballot(independent, independent.public_key(), content)
    assert set(Emargement.objects.values_list("elector_number", flat=True)) == set(VOTERS)

    sealing.close_urn(urn, reason="fin du vote (test)")
    session = tally.aggregate(tally.start(urn).pk, workers=1)
    users, keystores = designate_holders("011", shares, tmp_path)
    for trustee, user in users.items():
        holder = engines.open(name)
        decrypt(holder, live_server.url, user, keystores[trustee], PASS[trustee])
        holder.close()

    session = TallySession.objects.get(pk=session.pk)
    assert session.state == "done" and session.result is not None
    ids = {f"c{c.pk}": c.last_name for c in Candidate.objects.all()}
    for question, answer in zip(params.questions, session.result["answers"], strict=True):
        expected = [sum(ids[c.id] in ticked for ticked, _, _ in VOTERS.values())
                    for c in question.candidates]  # fmt: skip
        assert answer["counts"] == expected, (question.id, answer)
        assert answer["blank"] == sum(question.id in b for _, b, _ in VOTERS.values())
    verified = scrutin("verify", str(tally.record_dir(urn)), cwd=tmp_path)
    assert "Bulletins" in verified.stdout, verified.stdout
