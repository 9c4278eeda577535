"""End-to-end tests in real Chromium (Debian's /usr/bin/chromium driven by Playwright) against
the Django live server; accessibility checked with axe-core from npm (node_modules). Firefox ESR
and WebKitGTK (Debian's too) run the voter's and the key holder's paths through ``engines.py``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.crypto.encoding import encode_scalar, fingerprint
from scrutin.crypto.keystore import seal, write_keystore
from scrutin.platform.candidates.models import Candidate, Groupement
from scrutin.platform.ceremony.models import KeyCeremony, KeyHolder
from scrutin.platform.credentials import export, services
from scrutin.platform.credentials.models import GenerationRun
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import ImportRun, Urn
from scrutin.platform.sealing.services import seal_election, seal_platform
from scrutin.platform.voting import elections
from scrutin.platform.voting import session as voter_session
from scrutin.record.simulate import run_ceremony

from ..integration.accounts.world import make_user
from .engines import Engines, open_engines

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs an event loop


@pytest.fixture
def browser(chromium: Any) -> Any:
    return chromium


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def engines() -> Iterator[Engines]:
    """Firefox and WebKit browsers for one test (``engines.open("webkit")``), all closed after it:
    Firefox's contexts share its keep-alive connections, which hold the live server's database
    connections until Firefox itself ends."""
    yield from open_engines()


def axe_violations(
    page: Any, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page."""
    # Injected through DevTools evaluation: the site's CSP (no inline script) stays in force.
    page.evaluate("() => { " + AXE.read_text(encoding="utf-8") + "\n}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 3)])


def person(question: Any, last: str, first: str, **extra: Any) -> dict[str, Any]:
    return {"question": question, "civility": "Mme" if first.endswith("e") else "M.", "last_name": last,
            "first_name": first, "birth_date": date(1970, 1, 1), "activity": "Commerce de détail",
            "town": "Bourg-en-Bresse", **extra}  # fmt: skip


@pytest.fixture
def voting_urn(tmp_path: Path) -> Urn:
    path = tmp_path / "s.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    path = tmp_path / "e.csv"
    generate.write_csv(
        path, generate.ELECTORS_HEADER, generate.elector_rows("011", [("C", "")], 10)
    )
    imports.import_electors(ImportRun.objects.create(kind="electors", filename="e", path=str(path)))
    urn = Urn.objects.get(code="011-C")
    ccir, ccit = urn.questions.order_by("position")
    g1 = Groupement.objects.create(question=ccir, name="Agir pour l'Ain", registration=1)
    Candidate.objects.create(groupement=g1, position=1, **person(ccir, "Martin", "Claire"))
    Candidate.objects.create(groupement=g1, position=2, **person(ccir, "Durand", "Paul"))
    Candidate.objects.create(registration=2, **person(ccir, "Petit", "Anne"))
    g2 = Groupement.objects.create(question=ccit, name="Commerce uni", registration=1)
    for i, (last, first) in enumerate(
        [("Roux", "Julie"), ("Simon", "Marc"), ("Leroy", "Lucie")], start=1
    ):
        Candidate.objects.create(groupement=g2, position=i, **person(ccit, last, first))
    Candidate.objects.create(registration=2, **person(ccit, "Moreau", "Louis"))
    ceremony = dkg.Ceremony(
        "urn-011-C", "ristretto255", dkg.TrusteeId("president"), (dkg.TrusteeId("assessor-1"),), 1
    )
    trustees, _ = run_ceremony(ceremony)
    now = timezone.now()
    election = elections.open_election(
        urn, trustees, "ristretto255", now - timedelta(hours=1), now + timedelta(hours=1)
    )
    seal_election(election)  # CCTP 4.1.4.6: no vote unless the urn and the platform are sealed
    seal_platform()
    return urn


def signed_in(page: Any, live_server: Any, number: str) -> None:
    """A voter session as after a successful login (the login itself is tested separately)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[voter_session.SESSION_KEY] = voter_session.signed_in(number)
    store.create()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key,
                               "url": live_server.url}])  # fmt: skip


def issue_codes(cci: str) -> dict[str, str]:
    """Credentials generated for the CCI by the real service, read back from the encrypted
    export with the dispatch operator's private key, as the mailing step would."""
    private, public = export.generate_keypair()
    services.register_recipient(public, "opérateur d'expédition (test)")
    run = services.generate(services.new_run(cci, GenerationRun.Mode.NEW))
    return {row[0]: row[1] for row in export.read_rows(Path(run.export_path), private)}


PASS = {"president": "phrase de passe de la présidente", "assesseur-1": "phrase de l'assesseur un"}
ROLE = {"president": "president", "assesseur-1": "assessor"}


def designate_holders(
    cci: str, shares: dict[str, int], tmp_path: Path
) -> tuple[dict[str, Any], dict[str, Path]]:
    """The COE president and one assessor as the ceremony's key holders, with their accounts and
    their keystores (passphrases in ``PASS``; Argon2id at its minimum cost, for speed)."""
    import nacl.pwhash

    ceremony = KeyCeremony.objects.get(cci_id=cci)
    users = {"president": make_user("PRESCOE", [cci], name="presidente@cci.test"),
             "assesseur-1": make_user("COE", [cci], name="assesseur1@cci.test")}  # fmt: skip
    keystores = {}
    for position, (trustee, user) in enumerate(users.items()):
        # prepare() writes the ceremony row directly: the designated holders are added here
        KeyHolder.objects.create(ceremony=ceremony, trustee=trustee, role=ROLE[trustee],
                                 position=position, user=user)  # fmt: skip
        secret = {"ceremony": fingerprint(ceremony.document), "trustee": trustee,
                  "role": ROLE[trustee], "share": encode_scalar(shares[trustee])}  # fmt: skip
        keystores[trustee] = tmp_path / f"cle-{trustee}.json"
        write_keystore(keystores[trustee], seal(secret, PASS[trustee], "decryption-key",
                                                opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN,
                                                memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN))  # fmt: skip
    return users, keystores
