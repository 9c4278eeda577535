"""Issue 7, end to end over real HTTP: one election of a CCI from its structure file to the
verified public record, every step through the pages a person uses (GET the form, read its CSRF
token, POST), against the live server; the key holders' and the dispatch operator's work runs
the real ``scrutin`` command in its own process on files downloaded from the platform; each voter
signs in with the identifier and code printed on their own letter (issue 14: read from the PDFs
that ``scrutin material letters`` made from the signed kit, never from the decrypted export), and
their browser encrypts the ballot with the parameters the ballot page gives it
(CCTP 3.2.2.6, 4.1.4.1, 4.1.4.5, 4.1.4.6, 4.1.4.8, 4.1.4.8.1, 4.2.2.2)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyotp
import pytest
import rfc8785
from django.core.cache import cache
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import parse_parameters
from scrutin.crypto.signing import verify_document
from scrutin.platform.candidates.csvimport import COLUMNS
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.keys import platform_public_key_hex
from tests.integration.accounts.world import PASSWORD, make_user

from .election_http import Browser, Response, scrutin

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)

CCI = "011"
URN = "011-C"
AIN = (CCI, "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6)])  # CCIR 2 seats, CCIT 6 seats
ELECTORS = 320
VOTERS = 300
PASSPHRASE = "une phrase de passe de gardien assez longue"
SPARE = "la phrase de passe du support de secours"
CANDIDATURES = [  # SCRUTIN;CANDIDATURE;GROUPEMENT;CIVILITE;NOM;PRENOM;NAISSANCE;ACTIVITE;COMMUNE;DELEGATION;suppléant
    [URN, "CCIR+CCIT", "Agir pour l'Ain", "M.", "Martin", "Jean", "17/05/1965", "boulanger", "Bourg-en-Bresse", "", "Mme", "Durand", "Claire", "09/01/1975"],
    [URN, "CCIR+CCIT", "Agir pour l'Ain", "Mme", "Petit", "Léa", "02/03/1970", "fleuriste", "Oyonnax", "", "M.", "Roux", "Paul", "01/02/1980"],
    [URN, "CCIR+CCIT", "", "M.", "Moreau", "Louis", "11/11/1958", "garagiste", "Belley", "", "Mme", "Simon", "Julie", "21/06/1982"],
    [URN, "CCIT", "Commerce uni", "Mme", "Leroy", "Lucie", "05/04/1972", "libraire", "Gex", "", "", "", "", ""],
    [URN, "CCIT", "Commerce uni", "M.", "Garnier", "Marc", "30/09/1968", "épicier", "Nantua", "", "", "", "", ""],
    [URN, "CCIT", "Commerce uni", "Mme", "Faure", "Anne", "14/12/1977", "opticienne", "Trévoux", "", "", "", "", ""],
    [URN, "CCIT", "", "M.", "Bernard", "Hugo", "08/08/1961", "caviste", "Bourg-en-Bresse", "", "", "", "", ""],
    [URN, "CCIT", "Entreprendre ensemble", "Mme", "Lambert", "Emma", "19/02/1983", "coiffeuse", "Belley", "", "", "", "", ""],
    [URN, "CCIT", "Entreprendre ensemble", "M.", "Chevalier", "Paul", "23/07/1974", "traiteur", "Gex", "", "", "", "", ""],
]  # fmt: skip


@dataclass
class Holder:
    """A key holder: their account, their browser and their own computer (a directory)."""

    username: str
    browser: Browser
    home: Path
    trustee: str = ""


@dataclass
class Tally:
    """What the voters chose, per question id: votes per candidate id and blank ballots."""

    votes: dict[str, dict[str, int]] = field(default_factory=dict)
    blank: dict[str, int] = field(default_factory=dict)
    trackers: list[str] = field(default_factory=list)
    election: dict[str, Any] = field(default_factory=dict)  # the parameters the ballot page gave
    asked_birth_date: int = 0


def csv_bytes(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def sign_in(browser: Browser, username: str, then: str) -> Response:
    return browser.submit("/gestion/comptes/connexion/",
                          {"username": username, "password": PASSWORD, "next": then})  # fmt: skip


def said(response: Response, text: str) -> None:
    assert response.status == 200, (response.url, response.status, response.text[:1000])
    assert any(text in m for m in response.messages()), (text, response.messages())


# 1. CCI France's national administrator --------------------------------------------------


def national_administrator(base: str) -> Browser:
    """Password, then the mandatory second factor of a national account: the TOTP key shown on
    the enrolment page is added to an authenticator (pyotp), whose code confirms it."""
    make_user("ADMIN", None, national=True, name="administrateur@ccifrance.test")
    admin = Browser(base)
    response = sign_in(admin, "administrateur@ccifrance.test", "/gestion/")
    assert response.url.endswith("/gestion/comptes/second-facteur/")
    assert admin.get("/gestion/").url.endswith("/gestion/comptes/second-facteur/")
    enrol = admin.get("/gestion/comptes/second-facteur/application/")
    secret = re.search(r"secret=([A-Z2-7]+)", enrol.text)
    assert secret, enrol.text[:2000]
    code = pyotp.TOTP(secret.group(1)).now()
    done = admin.post(enrol.url, {"code": code}, csrf=enrol.csrf())
    said(done, "Application d'authentification enregistrée")
    assert admin.get("/gestion/").status == 200
    return admin


def import_structure_and_electors(admin: Browser, tmp: Path) -> dict[str, str]:
    """Annex 7.1.2 structure file, then the electors file; returns each elector's birth date
    (DDMMYYYY, 01011901 = unknown) as written in the file."""
    structure = csv_bytes(generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    done = admin.submit("/gestion/imports/structure/nouveau/", {},
                        {"file": ("structure.csv", structure)})  # fmt: skip
    assert admin.get(done.url + "progression.json").json()["status"] == "accepted", done.text[:2000]
    rows = list(generate.elector_rows(CCI, [("C", "")], ELECTORS, seed=7))
    done = admin.submit("/gestion/imports/electors/nouveau/", {},
                        {"file": ("electeurs-011.csv", csv_bytes(generate.ELECTORS_HEADER, rows))})  # fmt: skip
    assert admin.get(done.url + "progression.json").json()["status"] == "accepted", done.text[:2000]
    control = admin.get(f"/gestion/cci/{CCI}/controle.csv").body.decode("utf-8-sig").splitlines()
    assert control[1].split(";")[:4] == [URN, "Commerce", "", str(ELECTORS)]
    number = generate.ELECTORS_HEADER.index("NUMERO ELECTEUR")
    born = generate.ELECTORS_HEADER.index("DATE DE NAISSANCE")
    return {f"{CCI}{row[number]}": row[born] for row in rows}


# 2. The COE's candidatures -----------------------------------------------------------------


def enter_and_seal_candidatures(president: Browser) -> None:
    page = president.submit(f"/gestion/candidatures/cci/{CCI}/import/", {},
                            {"file": ("candidatures.csv", csv_bytes(COLUMNS, CANDIDATURES))})  # fmt: skip
    assert "Le fichier a été importé : 9 candidats" in page.text, page.text[:3000]
    ballots = president.get(f"/gestion/candidatures/urne/{URN}/bulletins/").text
    for name in ("Agir pour l'Ain", "Commerce uni", "Entreprendre ensemble"):
        assert name.replace("'", "&#x27;") in ballots
    sealed = president.submit(f"/gestion/candidatures/urne/{URN}/sceller/", {})
    said(sealed, "Candidatures scellées. Empreinte SHA-256")


# 3. The key ceremony -------------------------------------------------------------------------


def download(browser: Browser, path: str, to: Path) -> Path:
    response = browser.get(path)
    assert response.status == 200, (path, response.status)
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(response.body)) as z:
            z.extractall(to)
    else:
        (to / name).write_bytes(response.body)
    return to / name


def deposit_round(holder: Holder, number: int) -> None:
    page = f"/gestion/ceremonie/cci/{CCI}/gardien/"
    message = holder.home / f"r{number}-{holder.trustee}.json"
    response = holder.browser.submit(page, {}, {"fichier": (message.name, message.read_bytes())})
    said(response, f"Message du tour {number} reçu et vérifié")


def offered(holder: Holder) -> list[str]:
    """The public files the holder's page offers now (their download links)."""
    page = holder.browser.get(f"/gestion/ceremonie/cci/{CCI}/gardien/")
    return page.links(f"/gestion/ceremonie/cci/{CCI}/gardien/fichiers/")


def round_args(home: Path, number: int) -> list[str]:
    return [x for p in sorted(home.glob(f"r{number}-*.json")) for x in (f"--round{number}", p.name)]


def key_ceremony(admin: Browser, holders: list[Holder]) -> dict[str, Any]:
    """The organiser designates the president and two assessors, threshold 1; each holder runs
    the three rounds of ``scrutin trustee`` on their own computer; the organiser finalizes."""
    page = admin.get(f"/gestion/ceremonie/cci/{CCI}/")
    ids = {label.rsplit("(", 1)[-1].rstrip(")"): value for label, value in page.options("president").items()}  # fmt: skip
    assert set(ids) == {h.username for h in holders}
    president, *assessors = holders
    response = admin.post(page.url, {"group": "ristretto255", "president": ids[president.username],
                                     "assessors": [ids[a.username] for a in assessors],
                                     "threshold": 1}, csrf=page.csrf())  # fmt: skip
    said(response, "Cérémonie ouverte")
    for holder in holders:
        holder.home.mkdir()
        (holder.home / "phrase.txt").write_text(PASSPHRASE + "\n")
        page = holder.browser.get(f"/gestion/ceremonie/cci/{CCI}/gardien/")
        found = re.search(r"Vous êtes le gardien <code>([^<]+)</code>", page.text)
        assert found, page.text[:2000]
        holder.trustee = found.group(1)
        [link] = offered(holder)
        download(holder.browser, link, holder.home)
        scrutin("trustee", "round1", "--ceremony", "ceremony.json", "--trustee", holder.trustee,
                "--secret-out", f"{holder.trustee}.r1.key", "--out", f"r1-{holder.trustee}.json",
                "--passphrase-file", "phrase.txt", cwd=holder.home)  # fmt: skip
        deposit_round(holder, 1)
    for holder in assessors:
        links = offered(holder)
        download(holder.browser, next(x for x in links if x.endswith("tour-1.zip")), holder.home)
        scrutin("trustee", "round2", "--ceremony", "ceremony.json", "--secret",
                f"{holder.trustee}.r1.key", *round_args(holder.home, 1), "--out",
                f"r2-{holder.trustee}.json", "--passphrase-file", "phrase.txt", cwd=holder.home)  # fmt: skip
        deposit_round(holder, 2)
    for holder in holders:
        for link in offered(holder):
            if link.endswith(".zip"):
                download(holder.browser, link, holder.home)
        spare: list[str] = []
        if holder is president:
            (holder.home / "secours.txt").write_text(SPARE + "\n")
            spare = ["--spare-out", f"{holder.trustee}.spare.key",
                     "--spare-passphrase-file", "secours.txt"]  # fmt: skip
        scrutin("trustee", "round3", "--ceremony", "ceremony.json", "--secret",
                f"{holder.trustee}.r1.key", *round_args(holder.home, 1), *round_args(holder.home, 2),
                "--secret-out", f"{holder.trustee}.key", *spare, "--out", f"r3-{holder.trustee}.json",
                "--passphrase-file", "phrase.txt", cwd=holder.home)  # fmt: skip
        deposit_round(holder, 3)
    page = admin.get(f"/gestion/ceremonie/cci/{CCI}/")
    assert "Terminer la cérémonie" in page.text
    said(admin.submit(page.url, {}, action=f"/gestion/ceremonie/cci/{CCI}/terminer/"),
         "Cérémonie terminée : trustees.json publié")  # fmt: skip
    [published] = [link for link in offered(president) if link.endswith("/trustees.json")]
    trustees = download(president.browser, published, president.home)
    doc: dict[str, Any] = json.loads(trustees.read_text(encoding="utf-8"))
    for holder in holders:  # every holder's round 3 confirms the same election key
        confirmation = json.loads((holder.home / f"r3-{holder.trustee}.json").read_text())
        assert confirmation["public_key"] == doc["public_key"]
    return doc


# 4. Sealing ---------------------------------------------------------------------------------


def seal_urn_and_platform(president: Browser, admin: Browser) -> None:
    paris = datetime.now(ZoneInfo("Europe/Paris"))
    window = {"urnes": [URN], "opens_at": f"{paris - timedelta(hours=1):%Y-%m-%dT%H:%M}",
              "closes_at": f"{paris + timedelta(hours=6):%Y-%m-%dT%H:%M}"}  # fmt: skip
    said(president.submit("/gestion/scellement/", window), f"Urne {URN} scellée.")
    said(admin.submit("/gestion/scellement/plateforme/", {}), "Plate-forme scellée")


# 5. Credentials and the letters ---------------------------------------------------------------

CCI_ADDRESS = "CCI de l'Ain\nService des élections\n1 rue Joseph Bernier\n01000 BOURG-EN-BRESSE"
COE_ADDRESS = "COE de l'Ain\nBureau 12\n1 rue Joseph Bernier\n01000 BOURG-EN-BRESSE"
BATCH = 100  # four batches for the 320 electors
LETTER = re.compile(r"Votre identifiant :\s+(\d{13})\s.*?Votre code secret :\s+([0-9A-Z-]+)\s"
                    r".*?Le site (vous demandera aussi|ne vous demandera pas) votre date de naissance",
                    re.S)  # fmt: skip


def letter_kit(president: Browser, admin: Browser, operator: Path) -> Path:
    """The COE chooses how its letters are sent and approves the BAT after opening the proof;
    CCI France approves the BAT général and downloads the signed kit for the operator
    (CCTP 5.2.2)."""
    chosen = president.submit(f"/gestion/materiel/cci/{CCI}/expedition/", {
        "mode": "reroute", "batch_size": BATCH, "reroute_address": COE_ADDRESS,
        "return_address": CCI_ADDRESS})  # fmt: skip
    said(chosen, "Choix d'expédition enregistrés.")
    assert chosen.url.endswith(f"/gestion/materiel/cci/{CCI}/bat/")
    [proof] = chosen.links("/epreuve.pdf")
    assert president.get(proof).body.startswith(b"%PDF")
    seen = re.search(r'name="content_sha256" value="([0-9a-f]{64})"', chosen.text)
    assert seen, chosen.text[:2000]
    approved = president.post(chosen.url, {"action": "approve", "content_sha256": seen.group(1)},
                              csrf=chosen.csrf())  # fmt: skip
    said(approved, "BAT validé.")
    national = admin.submit("/gestion/materiel/national/", {"cci": [CCI]})
    said(national, f"BAT général validé pour : {CCI}.")
    [kit] = national.links(f"/cci/{CCI}/kit.json")
    return download(admin, kit, operator)


def read_letters(out: Path, births: dict[str, str]) -> dict[str, str]:
    """What each elector reads on their letter: the batches' text (``pdftotext``, one page per
    letter), checked against the manifest: every elector exactly one letter, the counts per urn
    and per batch, each batch's SHA-256; the birth-date notice agrees with the electors file."""
    manifest = json.loads((out / "manifeste.json").read_text(encoding="utf-8"))
    assert manifest["total"] == ELECTORS and manifest["electronic_skipped"] == 0
    # the manifest names an urn by its category (and sub-category) within the CCI
    urns = [(f"{CCI}-{u['urn'].replace('/', '-')}", u["letters"]) for u in manifest["urns"]]
    assert urns == [(URN, ELECTORS)]  # the platform's count of the urn (controle.csv)
    assert len(manifest["batches"]) == -(-ELECTORS // BATCH)
    codes: dict[str, str] = {}
    for batch in manifest["batches"]:
        pdf = out / batch["file"]
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == batch["sha256"]
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip
        pages = [page for page in text.split("\f") if page.strip()]
        assert len(pages) == batch["letters"] == sum(batch["urns"].values())
        for page in pages:
            found = LETTER.search(page)
            assert found, page
            number, code, asked = found.groups()
            assert number not in codes, f"two letters for {number}"
            codes[number] = code
            assert (asked == "vous demandera aussi") == (births[number] != "01011901"), number
    assert sorted(codes) == sorted(births)
    return codes


def credentials(admin: Browser, president: Browser, operator: Path,
                births: dict[str, str]) -> dict[str, str]:  # fmt: skip
    """The dispatch operator's key pair made on its own computer, its public half registered
    on the platform (``scrutin credentials recipient``, a platform command); the credentials
    generated from the page; the sealed export and the CCI's signed kit downloaded; the letters
    produced by ``scrutin material letters`` on the operator's computer. The codes the voters
    use are the ones printed on their letters, read from the PDFs (CCTP 4.1.4.1, 5.2.2)."""
    operator.mkdir()
    scrutin("credentials", "keygen", "operateur", cwd=operator)
    _register()
    result = CliRunner().invoke(app, ["credentials", "recipient", str(operator / "operateur.pub"),
                                      "--label", "Opérateur d'expédition"])  # fmt: skip
    assert result.exit_code == 0, result.output
    run = admin.submit(f"/gestion/identifiants/cci/{CCI}/generer/", {"mode": "new"})
    assert run.status == 200 and "/gestion/identifiants/generations/" in run.url
    assert admin.get(run.url + "progression.json").json()["status"] == "done"
    run = admin.get(run.url)
    [export] = run.links("/export/")
    sha = re.search(r"Empreinte SHA-256 de l'export</dt><dd><code>([0-9a-f]{64})", run.text)
    path = operator / "export.scrutin-identifiants"
    path.write_bytes(admin.get(export).body)
    assert sha and hashlib.sha256(path.read_bytes()).hexdigest() == sha.group(1)
    kit = letter_kit(president, admin, operator)
    # the platform's public key reaches the operator by another channel than the kit
    made = scrutin("material", "letters", "--kit", kit.name, "--export", path.name, "--key",
                   "operateur.cle", "--out", "lots", "--public-key", platform_public_key_hex(),
                   cwd=operator)  # fmt: skip
    assert f"{ELECTORS} courriers en {-(-ELECTORS // BATCH)} lots" in made.stdout, made.stdout
    assert not (operator / "lots" / f"adresses-a-verifier-{CCI}.csv").exists()
    return read_letters(operator / "lots", births)


# 6. The voters ------------------------------------------------------------------------------


def choose(rnd: random.Random, params: dict[str, Any]) -> list[list[int]]:
    """Varied choices: about one ballot in eight blank on a question, never over the seats."""
    selection = []
    for q in params["questions"]:
        row = [0] * len(q["candidates"])
        if rnd.random() >= 0.125:
            for i in rnd.sample(range(len(row)), rnd.randint(1, q["max"])):
                row[i] = 1
        selection.append(row)
    return selection


def vote(base: str, number: str, code: str, born: str, rnd: random.Random, tally: Tally) -> None:
    """One voter's browser: identifier and code, birth date when asked, the ballot page, the
    ballot encrypted with the page's parameters, the deposit, the receipt."""
    voter = Browser(base)
    page = voter.submit("/vote/", {"identifiant": number, "code": code})
    if page.url.endswith("/vote/date-de-naissance/"):
        assert born != "01011901"
        tally.asked_birth_date += 1
        page = voter.post(page.url, {"jour": born[:2], "mois": born[2:4], "annee": born[4:]},
                          csrf=page.csrf())  # fmt: skip
    assert page.status == 200 and page.url.endswith("/vote/bulletin/"), (page.url, page.text[:500])
    params = page.json_script("parametres")
    assert tally.election in ({}, params)
    tally.election = params
    selection = choose(rnd, params)
    parsed = parse_parameters(params)
    ballot = ballot_to_json(parsed.group, encrypt_ballot(parsed, selection))
    receipt = voter.post("/vote/depot/", {"bulletin": json.dumps(ballot)}, csrf=page.csrf(),
                         referer=page.url)  # fmt: skip
    assert receipt.status == 200 and "Votre vote est enregistré" in receipt.text, receipt.text[:800]
    tracker = re.search(
        r'<code class="tracker">((?:[0-9a-f]{8} ){7}[0-9a-f]{8})</code>', receipt.text
    )
    assert tracker  # shown in eight groups of eight (issue 12)
    tally.trackers.append(tracker.group(1).replace(" ", ""))
    for q, row in zip(params["questions"], selection, strict=True):
        votes = tally.votes.setdefault(q["id"], {c["id"]: 0 for c in q["candidates"]})
        for c, chosen in zip(q["candidates"], row, strict=True):
            votes[c["id"]] += chosen
        tally.blank[q["id"]] = tally.blank.get(q["id"], 0) + (not any(row))


# 8. The tally ------------------------------------------------------------------------------


def decrypt_and_deposit(holder: Holder) -> str:
    """On the holder's computer: the dossier, ``scrutin trustee decrypt``; then the upload."""
    page = holder.browser.get(f"/gestion/depouillement/urne/{URN}/cle/")
    [dossier] = page.links("/dossier.zip")
    download(holder.browser, dossier, holder.home)  # unzips into its own folder (issue 12)
    folder = f"depouillement-{URN}"
    assert (holder.home / folder / "tally.json").is_file()
    scrutin("trustee", "decrypt", "--record", folder, "--secret", f"{holder.trustee}.key",
            "--out", "partiel.json", "--passphrase-file", "phrase.txt", cwd=holder.home)  # fmt: skip
    partial = holder.home / "partiel.json"
    response = holder.browser.submit(
        page.url, {}, {"fichier": (partial.name, partial.read_bytes())},
        action=f"/gestion/depouillement/urne/{URN}/dechiffrement-partiel/",
    )  # fmt: skip
    assert response.status == 200
    return next(m for m in response.messages() if m.startswith("Déchiffrement partiel"))


def wait_for(browser: Browser, state: str) -> None:
    """Poll the tally state (bounded): the aggregation may run as a background job."""
    for _ in range(600):
        now = browser.get(f"/gestion/depouillement/urne/{URN}/etat.json").json()["state"]
        if now == state:
            return
        assert now in ("aggregating", state), now
        time.sleep(0.1)
    raise AssertionError(f"the tally never reached {state!r}")


def check_results(president: Browser, tally: Tally) -> dict[str, Any]:
    page = president.get(f"/gestion/depouillement/urne/{URN}/")
    assert f"Inscrits : {ELECTORS} — votants : {VOTERS}." in page.text
    for q, blank in tally.blank.items():
        cast = VOTERS - blank
        assert f"blancs {blank}, nuls 0, suffrages exprimés {cast}" in page.text, q
    for link in page.links("/pv-"):
        pdf = president.get(link)
        assert pdf.status == 200 and pdf.body.startswith(b"%PDF"), link
    assert len(page.links("/pv-")) == 2
    [link] = page.links("/resultats.json")
    results: dict[str, Any] = president.get(link).json()
    signature = results.pop("signature")
    verify_document(bytes.fromhex(signature["key"]), results, bytes.fromhex(signature["value"]))
    assert (results["registered"], results["voters"]) == (ELECTORS, VOTERS)
    for ballot in results["ballots"]:
        assert ballot["blank"] == tally.blank[ballot["id"]] and ballot["null"] == 0
        assert ballot["cast"] == VOTERS - tally.blank[ballot["id"]]
        assert {c["id"]: c["votes"] for c in ballot["candidates"]} == tally.votes[ballot["id"]]
    ccir, ccit = results["ballots"]
    assert (ccir["id"], ccit["id"]) == ("ccir", "ccit")
    assert ccir["undecided"] == ccit["undecided"] == []
    # the CCIR members and their suppléants sit in the CCIT too; the other CCIT seats are voted
    elected = [c["name"] for c in ccir["candidates"] if c["elected"]]
    assert len(elected) == 2 and len(ccit["substitutes_elected"]) == 2
    assert sum(c["elected"] for c in ccit["candidates"]) == ccit["seats"] - 4 == 2
    for name in [*elected, *(c["name"] for c in ccit["candidates"] if c["elected"])]:
        assert name in page.text
    return results


# 10. The record ------------------------------------------------------------------------------


def check_record(president: Browser, tmp: Path, tally: Tally) -> None:
    page = president.get(f"/gestion/depouillement/urne/{URN}/")
    [link] = page.links("/registre.zip")
    zipfile.ZipFile(io.BytesIO(president.get(link).body)).extractall(tmp / "registre")
    record = tmp / "registre" / f"registre-{URN}"
    lines = (record / "ballots.jsonl").read_bytes().splitlines()
    assert len(lines) == VOTERS
    # every voter's receipt names a ballot of the published urn, and nothing else is in it
    assert sorted(hashlib.sha256(line).hexdigest() for line in lines) == sorted(tally.trackers)
    verified = scrutin("verify", str(record), cwd=tmp)
    assert "Bulletins" in verified.stdout
    scrutin("record", "recount", str(record), cwd=tmp)
    altered = tmp / "registre-modifie"
    shutil.copytree(record, altered)
    index = 137
    doc = json.loads(lines[index])
    choices = doc["answers"][1]["choices"]
    choices[0], choices[1] = choices[1], choices[0]  # two ciphertexts of one ballot swapped
    lines[index] = rfc8785.dumps(doc)
    (altered / "ballots.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    refused = scrutin("verify", str(altered), cwd=tmp, check=False)
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    assert f"ligne {index + 1}" in refused.stdout, refused.stdout
    assert "preuve 0/1 invalide" in refused.stdout


def test_issue_7_whole_election_over_http_from_structure_file_to_verified_record(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.SCRUTIN_IMPORTS_INLINE = True  # imports, generation and aggregation in the request
    settings.SCRUTIN_LOGIN_MIN_SECONDS = 0  # no sign-in padding (it is a sleep)
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "var").mkdir()
    cache.clear()
    base = live_server.url

    # 1. CCI France: structure and electors
    admin = national_administrator(base)
    births = import_structure_and_electors(admin, tmp_path)

    # the COE: its president and two assessors, each signing in with a password
    names = ["presidente@cci-ain.test", "assesseur1@cci-ain.test", "assesseur2@cci-ain.test"]
    make_user("PRESCOE", [CCI], name=names[0])
    for name in names[1:]:
        make_user("COE", [CCI], name=name)
    holders = [Holder(n, Browser(base), tmp_path / n.split("@")[0]) for n in names]
    for holder in holders:
        assert (
            sign_in(holder.browser, holder.username, "/gestion/ceremonie/mes-cles/").status == 200
        )
    president = holders[0].browser

    # 2. candidatures, 3. key ceremony, 4. seals, 5. credentials
    enter_and_seal_candidatures(president)
    trustees = key_ceremony(admin, holders)
    seal_urn_and_platform(president, admin)
    codes = credentials(admin, president, tmp_path / "operateur", births)

    # 6. 300 voters of the 320 electors vote
    tally = Tally()
    rnd = random.Random(2026)
    for number in sorted(codes)[:VOTERS]:
        vote(base, number, codes[number], births[number], rnd, tally)
    assert all(0 < b < VOTERS for b in tally.blank.values())
    # annex 7.1.3: the birth date is asked unless the electors file says 01011901
    unknown = sum(births[n] == "01011901" for n in sorted(codes)[:VOTERS])
    assert unknown > 0 and tally.asked_birth_date == VOTERS - unknown

    # 7. the urn is closed by authorised decision
    closing = president.submit(f"/gestion/scellement/urne/{URN}/cloturer/",
                               {"reason": "Décision de la COE : fin du vote", "confirm": "on"})  # fmt: skip
    said(closing, f"Urne {URN} close et scellée.")
    assert f"Bulletins dans l'urne</dt><dd>{VOTERS} " in closing.text

    # 8. the president starts the tally; the president and ONE assessor decrypt
    start = president.submit(f"/gestion/depouillement/urne/{URN}/", {},
                             action=f"/gestion/depouillement/urne/{URN}/commencer/")  # fmt: skip
    said(start, "Dépouillement commencé")
    wait_for(president, "waiting")
    assert "accepté." in decrypt_and_deposit(holders[0])
    assert "le dépouillement est terminé" in decrypt_and_deposit(holders[2])
    wait_for(president, "done")

    # 9. results, minutes, signed results equal to what the voters chose
    results = check_results(president, tally)
    assert sorted(results["decrypted_by"]) == sorted([holders[0].trustee, holders[2].trustee])
    # the election every voter encrypted for is the key ceremony's, sealed in the urn
    assert tally.election["public_key"] == trustees["public_key"]
    assert tally.election["trustees"] == fingerprint(trustees)

    # 10. the public record verifies and recounts; one altered ballot is named
    check_record(president, tmp_path, tally)
