"""The key ceremony in real Chromium (CCTP 3.2.2.6, 4.1.4.8): the president and two assessors
run rounds 1 to 3 in the browser page, each in their own browser context; the keystores are
downloads the holders keep, and no request body ever carries a secret share, a coefficient, an
X25519 secret key, a keystore or a passphrase. The platform's trustees.json passes the
independent verifier's trustees check and the keystores open with scrutin.crypto.keystore."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.keystore import open_sealed
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
from scrutin.platform.ceremony import services
from scrutin.platform.ceremony.models import KeyCeremony
from scrutin.platform.electoral.models import Cci
from scrutin.record.simulate import make_questions
from scrutin.verify.election import read_election
from scrutin.verify.record import check_trustees
from scrutin.verify.report import Report

from ..integration.accounts.world import build_world, make_user
from .conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASS = {"president": "phrase du président 2026", "assesseur-1": "phrase de l'assesseur un",
        "assesseur-2": "phrase de l'assesseur deux"}  # fmt: skip
SPARE = "phrase du coffre de la COE"
WAIT = 120_000  # ms: Argon2id runs in the page, three pages share two cores


class Holder:
    def __init__(self, chromium: Any, live_server: Any, user: User, trustee: str) -> None:
        self.trustee = trustee
        self.bodies: list[tuple[str, bytes]] = []
        self.console: list[str] = []
        client = Client()
        client.force_login(user)
        self.context = chromium.new_context(locale="fr-FR", accept_downloads=True)
        self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
        self.context.on("request", lambda r: self.bodies.append((r.url, r.post_data_buffer or b"")))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.goto(f"{live_server.url}/gestion/ceremonie/cci/011/gardien/navigateur/")

    def save(self, link: str, to: Path) -> Path:
        with self.page.expect_download(timeout=WAIT) as info:
            self.page.get_by_role("link", name=link).click()
        path: Path = to / str(info.value.suggested_filename)
        info.value.save_as(path)
        return path

    def sent(self, text: str) -> None:
        self.page.locator("#succes").filter(has_text=text).wait_for(timeout=WAIT)


@pytest.fixture
def holders(chromium: Any, live_server: Any, tmp_path: Path) -> Iterator[dict[str, Holder]]:
    build_world(tmp_path)
    president = make_user("PRESCOE", ["011"], name="presidente@cci.test")
    assessors = [make_user("COE", ["011"], name=f"assesseur{i}@cci.test") for i in (1, 2)]
    services.create_ceremony(Cci.objects.get(code="011"), actor=president, group="ristretto255",
                             president=president, assessors=assessors, threshold=1)  # fmt: skip
    users = {"president": president, "assesseur-1": assessors[0], "assesseur-2": assessors[1]}
    found = {t: Holder(chromium, live_server, u, t) for t, u in users.items()}
    yield found
    for h in found.values():
        h.context.close()


def test_cctp_4_1_4_8_three_holders_run_the_ceremony_in_chromium_and_send_no_secret(
    holders: dict[str, Holder], tmp_path: Path, live_server: Any
) -> None:
    files: dict[str, dict[str, Path]] = {t: {} for t in holders}
    for t, h in holders.items():  # round 1: commitments, keystore downloaded, message posted
        h.page.locator("#tour1").get_by_label("Phrase de passe", exact=True).fill(PASS[t])
        h.page.locator("#tour1").get_by_label("Confirmez la phrase de passe").fill(PASS[t])
        h.page.get_by_role("button", name="Créer mes engagements et mon fichier secret").click()
        files[t]["r1"] = h.save("Enregistrer mon fichier secret du tour 1", tmp_path)
        h.page.get_by_role("button", name="Envoyer mon message public du tour 1").click()
        h.sent("Message du tour 1 reçu et vérifié")
    assert axe_violations(holders["president"].page) == []
    for t in ("assesseur-1", "assesseur-2"):  # round 2 opens by itself once round 1 is complete
        h = holders[t]
        h.page.locator("#tour2").wait_for(timeout=WAIT)
        h.page.set_input_files("#t2-fichier", files[t]["r1"])
        h.page.locator("#t2-phrase").fill(PASS[t])
        h.page.get_by_role("button", name="Chiffrer et envoyer mes parts").click()
        h.sent("Message du tour 2 reçu et vérifié")
    public_keys = set()
    for t, h in holders.items():  # round 3: shares checked, final keys (and the spare) saved
        h.page.locator("#tour3").wait_for(timeout=WAIT)
        h.page.set_input_files("#t3-fichier", files[t]["r1"])
        h.page.locator("#t3-phrase").fill(PASS[t])
        if t == "president":
            h.page.locator("#t3-secours-phrase").fill(SPARE)
            h.page.locator("#t3-secours-phrase2").fill(SPARE)
        h.page.get_by_role("button", name="Vérifier les parts reçues et créer ma clé").click()
        files[t]["key"] = h.save("Enregistrer ma clé de dépouillement", tmp_path)
        if t == "president":
            files[t]["spare"] = h.save("Enregistrer le support de secours", tmp_path)
        public_keys.add(h.page.locator("#cle-publique code").inner_text())
        h.page.get_by_role("button", name="Envoyer ma confirmation du tour 3").click()
        h.sent("Message du tour 3 reçu et vérifié")
    assert len(public_keys) == 1

    page = holders["president"].page  # the president also organises: finalize on the page
    page.goto(f"{live_server.url}/gestion/ceremonie/cci/011/")
    page.get_by_role("button", name="Terminer la cérémonie et publier trustees.json").click()
    page.get_by_text("Cérémonie terminée").wait_for()
    trustees = KeyCeremony.objects.get(cci_id="011").trustees
    assert trustees is not None and trustees["public_key"] in public_keys
    params = ElectionParameters(ElectionId("cci-011-C"), "Élection CCI de l'Ain", "ristretto255",
                                trustees["public_key"], Fingerprint(fingerprint(trustees)),
                                "00" * 32, make_questions((("ccir", 2, 1),)))  # fmt: skip
    report = Report()
    check_trustees(trustees, read_election(params.to_json()), report)
    assert report.valid, report.render()

    # The keystores are scrutin-keystore/v1 files that Python opens (browser Argon2id limits).
    secrets: list[str] = []
    for t, f in files.items():
        r1 = json.loads(f["r1"].read_text())
        assert (r1["opslimit"], r1["memlimit"]) == (3, 64 * 1024 * 1024)
        opened = open_sealed(r1, PASS[t])
        secrets += [*opened["coefficients"], opened["box_key"]]
        final = open_sealed(json.loads(f["key"].read_text()), PASS[t])
        assert final["trustee"] == t
        secrets.append(final["share"])
    spare = open_sealed(json.loads(files["president"]["spare"].read_text()), SPARE)
    assert spare["spare"] is True and spare["share"] in secrets
    keystores = [p.read_text() for f in files.values() for p in f.values()]
    forbidden = [*secrets, *PASS.values(), SPARE, "scrutin-keystore",
                 *(json.loads(k)["ciphertext"][:64] for k in keystores)]  # fmt: skip
    posted = [(url, body) for h in holders.values() for url, body in h.bodies if body]
    assert len(posted) >= 8  # the 8 round messages (and the finalize form)
    for url, body in posted:
        text = body.decode("utf-8", "replace")
        leaked = [s[:12] for s in forbidden if s in text]
        assert leaked == [], f"{url} carried a secret: {leaked}"
    csp = [m for h in holders.values() for m in h.console if "Content Security Policy" in m]
    assert csp == []
