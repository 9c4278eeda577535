"""The key holders' partial decryption page in real Chromium (CCTP 3.2.2.6, 4.1.4.8, 4.2.2.2).

A closed, sealed urn with real encrypted ballots is aggregated by the tally services; the COE
president and one assessor, each in their own browser context and account, open
``ceremony:decrypt``, choose their keystore and type their passphrase: the page checks the
closing seal, streams ``ballots.jsonl`` and recomputes the sum in Web Workers, then decrypts and
posts its share. The tally finishes with the counts cast, and no request body ever carries a
share, a keystore or a passphrase. If the server presents one ballot's ciphertexts as the tally
(or a ballots file reduced to that ballot), the page refuses in French and posts nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from scrutin.crypto.encoding import encode_scalar, fingerprint
from scrutin.platform.sealing import services as sealing
from scrutin.platform.tally import services as tally
from scrutin.platform.tally.models import PartialDecryption, TallySession
from scrutin.record import layout
from scrutin.record.writer import write_json

from ..integration.tally.conftest import Vote, cast, choices_for, prepare
from .conftest import PASS, axe_violations, designate_holders

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True),
]

WAIT = 120_000  # ms
VOTERS = 12


@dataclass
class Urn:
    vote: Vote
    users: dict[str, User]
    keystores: dict[str, Path]
    session: TallySession


@pytest.fixture
def aggregated(tmp_path: Path, settings: Any) -> Urn:
    """A closed, sealed urn of 12 real ballots, aggregated; the designated holders' keystores."""
    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "var").mkdir()
    urn, shares = prepare(tmp_path)
    choices = choices_for(urn, VOTERS)
    cast(urn, choices)
    sealing.close_urn(urn, reason="fin du vote (test)")
    session = tally.aggregate(tally.start(urn).pk, workers=1)
    assert session.state == "waiting"
    users, keystores = designate_holders("011", shares, tmp_path)
    return Urn(Vote(urn, shares, choices), users, keystores, session)


class Holder:
    """One key holder's own browser context, signed in, every request recorded."""

    def __init__(self, chromium: Any, live_server: Any, user: User) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self.console: list[str] = []
        client = Client()
        client.force_login(user)
        self.context = chromium.new_context(locale="fr-FR")
        self.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                   "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
        self.context.on(
            "request", lambda r: self.requests.append((r.method, r.url, r.post_data_buffer or b""))
        )
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.goto(f"{live_server.url}/gestion/ceremonie/dechiffrer/011-C/")

    def decrypt(self, keystore: Path, passphrase: str) -> None:
        self.page.set_input_files("#cle-fichier", keystore)
        self.page.get_by_label("Phrase de passe").fill(passphrase)
        self.page.get_by_role("button", name=re.compile("Vérifier la somme des bulletins")).click()

    def posts(self) -> list[tuple[str, bytes]]:
        return [(url, body) for method, url, body in self.requests if method == "POST"]


@pytest.fixture
def holders(chromium: Any, live_server: Any, aggregated: Urn) -> Iterator[dict[str, Holder]]:
    found = {t: Holder(chromium, live_server, u) for t, u in aggregated.users.items()}
    yield found
    for h in found.values():
        h.context.close()


def test_cctp_4_1_4_8_holders_recompute_the_sum_decrypt_in_chromium_and_send_no_secret(
    aggregated: Urn, holders: dict[str, Holder]
) -> None:
    for trustee, h in holders.items():
        h.decrypt(aggregated.keystores[trustee], PASS[trustee])
        h.page.locator("#succes").filter(has_text="accepté").wait_for(timeout=WAIT)
        assert h.page.locator("#erreur").is_hidden()
        live = h.page.locator("#somme")
        assert live.get_attribute("aria-live") == "polite"
        assert live.inner_text() == f"Somme vérifiée : {VOTERS} / {VOTERS} bulletins."
        summed = h.page.locator("#somme-resultat").inner_text()
        assert summed.startswith(f"identique au dépouillement présenté ({VOTERS} bulletins")
        assert re.search(r"\d+ fils de calcul", summed), summed  # the Web Workers did the adding
        fetched = [url for method, url, _ in h.requests if method == "GET"]
        assert any(u.endswith("/urne/011-C/ballots.jsonl") for u in fetched)
        assert any(u.endswith("/scellements/cloture-011-C.json") for u in fetched)
    assert "terminé" in holders["assesseur-1"].page.locator("#succes").inner_text()
    assert axe_violations(holders["assesseur-1"].page) == []

    session = TallySession.objects.get(pk=aggregated.session.pk)
    assert session.state == "done"
    assert session.result is not None
    assert session.result["decrypted_by"] == ["president", "assesseur-1"]
    got = [(a["counts"], a["blank"]) for a in session.result["answers"]]
    assert got == aggregated.vote.expected()

    shares = [encode_scalar(s) for s in aggregated.vote.shares.values()]
    keystores = [json.loads(p.read_text()) for p in aggregated.keystores.values()]
    forbidden = [
        *shares,
        *PASS.values(),
        "scrutin-keystore",
        *(k["ciphertext"][:64] for k in keystores),
    ]
    for trustee, h in holders.items():
        posts = h.posts()
        assert len(posts) == 1 and posts[0][0].endswith("/urne/011-C/dechiffrement-partiel/")
        assert json.loads(posts[0][1])["trustee"] == trustee
        for url, body in h.posts():
            text = body.decode("utf-8", "replace")
            leaked = [s[:12] for s in forbidden if s in text]
            assert leaked == [], f"{url} carried a secret: {leaked}"
        assert [m for m in h.console if "Content Security Policy" in m] == []


def _first_ballot_tally(directory: Path, tally_doc: dict[str, Any]) -> dict[str, Any]:
    first = json.loads((directory / layout.BALLOTS).read_bytes().split(b"\n", 1)[0])
    answers = [{"choices": a["choices"], "blank": a["blank"]} for a in first["answers"]]
    return {**tally_doc, "answers": answers}


def _present(session: TallySession, tally_doc: dict[str, Any]) -> None:
    """What a compromised server would do: offer ``tally_doc`` (and accept partials of it)."""
    write_json(tally.record_dir(session.urn) / layout.TALLY, tally_doc)
    session.tally = tally_doc
    session.tally_fingerprint = fingerprint(tally_doc)
    session.save(update_fields=["tally", "tally_fingerprint"])


def test_cctp_4_2_2_2_page_refuses_to_decrypt_one_ballot_presented_as_the_tally(
    aggregated: Urn, chromium: Any, live_server: Any
) -> None:
    session = TallySession.objects.get(pk=aggregated.session.pk)
    directory = tally.record_dir(session.urn)
    assert session.tally is not None
    genuine = dict(session.tally)
    _present(session, _first_ballot_tally(directory, genuine))
    h = Holder(chromium, live_server, aggregated.users["president"])
    try:
        h.decrypt(aggregated.keystores["president"], PASS["president"])
        error = h.page.locator("#erreur")
        error.wait_for(timeout=WAIT)
        assert error.inner_text() == (
            "Refus de déchiffrer : le dépouillement présenté n'est pas la somme des bulletins "
            "publiés (question 1, candidat 1)."
        )
        assert h.page.locator("#somme-resultat").inner_text() == "refusée"
        assert h.page.locator("#succes").is_hidden()

        # The same ballot with a ballots.jsonl reduced to it: consistent, but not what was
        # sealed at the closing (count and SHA-256 signed by the platform).
        line = (directory / layout.BALLOTS).read_bytes().split(b"\n", 1)[0] + b"\n"
        (directory / layout.BALLOTS).write_bytes(line)
        forged = _first_ballot_tally(directory, genuine)
        forged.update(ballot_count=1, ballots=hashlib.sha256(line).hexdigest())
        _present(session, forged)
        h.page.reload()
        h.decrypt(aggregated.keystores["president"], PASS["president"])
        error.filter(has_text="clôture scellée").wait_for(timeout=WAIT)
        assert error.inner_text() == (
            f"Refus de déchiffrer : le dépouillement présenté annonce 1 bulletin(s), l'urne en "
            f"contenait {VOTERS} à sa clôture scellée."
        )
        assert axe_violations(h.page) == []
        assert h.posts() == []  # nothing was posted: no partial decryption of a single ballot
        assert not PartialDecryption.objects.filter(session=session).exists()
        assert TallySession.objects.get(pk=session.pk).state == "waiting"
    finally:
        h.context.close()
