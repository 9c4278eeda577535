"""The machine's printouts (RT 3, 5, 19): every figure and name present, deterministic bytes
(golden files), and a results document whose signature fails is refused.

Golden files are compared byte for byte; set SCRUTIN_UPDATE_GOLDEN=1 to rewrite them after an
intended change, then look at the PDFs.
"""

from __future__ import annotations

import copy
import io
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from pypdf import PdfReader

from scrutin.core.counting.io import count_json
from scrutin.core.counting.presets import PRESETS
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.machine.core import files, selftest, tally
from scrutin.machine.core.machine import PARIS, Machine
from scrutin.machine.core.package import Package, parse_package
from scrutin.machine.printouts import (
    INITIAL_STATE,
    PrintoutError,
    initialisation_of,
    initialisation_pdf,
    preparation_pdf,
    results_of,
    results_pdf,
)

from .conftest import package_doc, self_test
from .test_day import held, vote

GOLDEN = Path(__file__).parents[2] / "golden"
MACHINE_KEY = nacl.signing.SigningKey(bytes(range(1, 33)))
CLOCK = datetime(2027, 3, 14, 7, 52, 10, tzinfo=PARIS)


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "\n".join(p.extract_text() for p in pages).replace("\u00a0", " ")


def squeeze(text: str) -> str:
    return "".join(text.split())


def golden(name: str, pdf: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("SCRUTIN_UPDATE_GOLDEN") == "1":
        path.write_bytes(pdf)
    assert pdf == path.read_bytes(), f"{name} changed: review it, then SCRUTIN_UPDATE_GOLDEN=1"


def big_package() -> Package:
    """Three scrutins (RT 30): a list of 300 names, binômes, a local referendum; two
    key-holding assessors (the second holds the duplicate)."""
    doc = package_doc(
        members=[
            {"role": "president", "name": "Claire Martin"},
            {"role": "assessor", "name": "Paul Durand", "key_holder": True},
            {"role": "assessor", "name": "Łucja Nguyễn", "key_holder": True},
            {"role": "assessor", "name": "Ahmet Yılmaz"},
            {"role": "secretary", "name": "Nadia Benali"},
        ],
        font_size=28,
    )
    doc["scrutins"][0]["lists"][1]["members"] = [f"Ensemble {j}" for j in range(1, 301)]
    doc["scrutins"].append(
        {"id": "referendum", "preset": "referendum-local", "title": "Référendum local",
         "seats": 1, "registered": 900,
         "questions": [{"id": "q1", "text": "Approuvez-vous le projet de médiathèque ?"},
                       {"id": "q2", "text": "Approuvez-vous la piétonnisation du centre ?"}]}
    )  # fmt: skip
    return parse_package(doc)


def test_rt_3_preparation_printout_holds_the_whole_package() -> None:
    p = big_package()
    pdf = preparation_pdf(p)
    golden("machine-preparation.pdf", pdf)
    assert preparation_pdf(big_package()) == pdf
    reader = PdfReader(io.BytesIO(pdf))
    text, pages = text_of(pdf), [squeeze(pg.extract_text()) for pg in reader.pages]
    flat = squeeze(text)
    assert all(p.fingerprint in page for page in pages), "the fingerprint on every page"
    for mention in ("Villeneuve-sur-Essai", "INSEE 94078", "bureau n° 3 (École Jules-Ferry)",
                    "dimanche 14 mars 2027", "de 08 h 00 à 18 h 00", "28 pixels",
                    "Canton de Villeneuve", "Approuvez-vous la piétonnisation du centre ?",
                    "Tête de liste Renouveau"):  # fmt: skip
        assert squeeze(mention) in flat, mention
    for s in p.scrutins:
        assert squeeze(PRESETS[s.preset].title) in flat
        assert squeeze(f"Électeurs inscrits{s.registered}") in flat
    for name, key in (("Claire Martin", "clé du président"), ("Paul Durand", "clé d'assesseur"),
                      ("Łucja Nguyễn", "double de la clé d'assesseur")):  # fmt: skip
        assert squeeze(f"{name}") in flat and squeeze(key) in flat
    assert squeeze("Ahmet Yılmazassesseur—") in flat  # an assessor holding no key
    for j in range(1, 301):  # every member of every list
        assert f"{j}. Ensemble {j}" in text, j
    for j in range(1, 30):
        assert f"{j}. Avenir {j}" in text and f"{j}. Renouveau {j}" in text
    assert squeeze("Liste n° 2 : Liste Ensemble — 300 candidats") in flat
    assert len(reader.pages) >= 3


def fixed_checks(m: Machine) -> list[selftest.Check]:
    """The self-test's lines with the details that vary between runs (free space, file count)
    fixed, and the initial state computed on the machine."""
    return [
        selftest.Check("Logiciel agréé (empreintes de chaque fichier installé)", True,
                       "412 fichiers identiques à la version essai"),
        selftest.Check("Mémoire interne accessible en écriture", True, "48 210 Mo libres"),
        selftest.Check("Mémoire amovible accessible en écriture", True, "7 650 Mo libres"),
        selftest.Check("Journal identique sur les deux supports", True, "3 événements"),
        selftest.Check("Horloge de la machine", True, "14/03/2027 07:52:10"),
        selftest.Check("Terminal de vote 1", True, "répond"),
        selftest.Check("Terminal de vote 2", False, "jamais connecté"),
        *selftest.initial_state(m),
    ]  # fmt: skip


def test_rt_5_initialisation_pv(prepared: Callable[..., Machine], release: Path) -> None:
    m = prepared(now=lambda: CLOCK, tested=False)
    pdf = initialisation_pdf(m, fixed_checks(m))
    golden("machine-initialisation.pdf", pdf)
    text = text_of(pdf)
    flat = squeeze(text)
    for mention in ("PROCÈS-VERBAL D'INITIALISATION", "dimanche 14 mars 2027 à 07 h 52",
                    "Aucun bulletin dans la machine", "Compteurs de votes à zéro",
                    "Candidatures identiques au paquet préparé", m.package.fingerprint,
                    "Terminal de vote 2", "jamais connecté", "Autotest en échec",
                    "Claire Martin", "Paul Durand", "Nadia Benali"):  # fmt: skip
        assert squeeze(mention) in flat, mention
    assert text.count("✓ conforme") == 9 and text.count("✗ en échec") == 1
    # By default, the last self-test journaled before the opening (which passed here).
    checks = self_test(m, release)
    journaled = squeeze(text_of(initialisation_pdf(m)))
    assert all(squeeze(c.label + "✓conforme" + c.detail) in journaled for c in checks)
    assert squeeze("Autotest réussi") in journaled


def test_rt_5_initialisation_pv_reprinted_after_the_opening(
    prepared: Callable[..., Machine],
) -> None:
    """After votes, a reprint shows the initial state the self-test found, never live counters."""
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    m.activate(1, ["municipales"])
    vote(m, 1, "municipales", 0)
    flat = squeeze(text_of(initialisation_pdf(m)))
    assert squeeze("Réimpression faite après l'ouverture du scrutin") in flat
    assert squeeze("Aucun bulletin dans la machine✓conforme") in flat
    assert "Votants" not in flat


def test_rt_5_initial_state_labels_are_the_self_tests(prepared: Callable[..., Machine]) -> None:
    assert tuple(c.label for c in selftest.initial_state(prepared(tested=False))) == INITIAL_STATE


def test_rt_5_initialisation_pv_needs_a_self_test(prepared: Callable[..., Machine]) -> None:
    m = prepared(tested=False)
    with pytest.raises(PrintoutError, match="Aucun autotest"):
        initialisation_pdf(m)
    with pytest.raises(PrintoutError, match="Aucun autotest"):
        initialisation_of(m.roots["amovible"])


def results_doc(p: Package, scrutin_id: str, votes: list[int], blank: int) -> dict[str, Any]:
    """A results document as :func:`tally.tally_scrutin` writes it, with fixed figures and a
    fixed machine key (a real tally is random: its fingerprints change at each run)."""
    s = p.scrutin(scrutin_id)
    n = sum(votes) + blank
    answers = [{"counts": votes, "blank": blank}]
    result = {"ballot_count": n, "answers": answers}
    doc: dict[str, Any] = {
        "format": tally.RESULTS_FORMAT, "package": p.fingerprint, "commune": p.commune,
        "insee": p.insee, "bureau": p.bureau_number, "date": p.election_date.isoformat(),
        "scrutin": s.id, "title": s.title, "preset": s.preset,
        "opened_at": "2027-03-14T08:00:04+01:00", "closed_at": "2027-03-14T18:00:31+01:00",
        "registered": s.registered, "voters": n, "blank": blank, "null": 0, "cast": n - blank,
        "answers": answers, "counting": count_json(tally.counting_input(s, result)),
        "record": "ab" * 32, "election": "cd" * 32,
        "decrypted_by": ["président", "assesseur"], "journal": "ef" * 32,
    }  # fmt: skip
    doc["signature"] = sign_document(MACHINE_KEY, doc)
    return doc


def machine_doc(p: Package) -> dict[str, Any]:
    return {"format": files.MACHINE_FORMAT, "package": p.fingerprint,
            "signing_key": public_key_hex(MACHINE_KEY)}  # fmt: skip


def test_rt_19_results_pv_carries_every_figure() -> None:
    p = parse_package(package_doc())
    doc = results_doc(p, "municipales", [412, 251, 88], 17)
    pdf = results_pdf(doc, machine_doc(p), p)
    golden("machine-resultats-municipales.pdf", pdf)
    assert results_pdf(copy.deepcopy(doc), machine_doc(p), p) == pdf
    text = text_of(pdf)
    flat = squeeze(text)
    for mention in ("Villeneuve-sur-Essai", "bureau n° 3", "Élection des conseillers municipaux",
                    PRESETS["municipal"].title, "Ouverture du scrutin\ndimanche 14 mars 2027 à 08 h 00",
                    "Clôture du scrutin\ndimanche 14 mars 2027 à 18 h 00",
                    "Électeurs inscrits\n900", "Votants\n768 (participation : 85,33 %)",
                    "Bulletins blancs\n17", "Bulletins nuls\n0 — la machine n'enregistre que des bulletins valides",
                    "Suffrages exprimés\n751", "Liste Avenir", "412", "54,86 %", "251", "33,42 %",
                    "88", "11,72 %", "scrutin verify records/municipales", "clés de déchiffrement suivantes : président ; assesseur",
                    "ab" * 32, "ef" * 32, public_key_hex(MACHINE_KEY), "bureau centralisateur",
                    "Claire Martin", "Paul Durand"):  # fmt: skip
        assert squeeze(mention) in flat, mention
    for name, seats in doc["counting"]["seats"].items():
        assert squeeze(f"{name}{seats}") in flat
    for elected in doc["counting"]["elected"]:
        assert squeeze(elected) in flat


def test_rt_19_results_pv_of_a_referendum_and_binomes() -> None:
    doc = package_doc()
    doc["scrutins"][1] = {"id": "referendum", "preset": "referendum-local", "seats": 1,
                          "title": "Référendum local", "registered": 300,
                          "questions": [{"id": "q1", "text": "Approuvez-vous le projet ?"}]}  # fmt: skip
    p = parse_package(doc)
    pdf = results_pdf(results_doc(p, "referendum", [120, 80], 9), machine_doc(p), p)
    flat = squeeze(text_of(pdf))
    for mention in ("Approuvez-vous le projet ?", "Oui12060,00 %", "Non8040,00 %", "Blancs9",
                    "la réponse « Oui » l'emporte : projet adopté"):  # fmt: skip
        assert squeeze(mention) in flat, mention
    p = parse_package(package_doc())
    flat = squeeze(
        text_of(results_pdf(results_doc(p, "departementales", [60, 40], 2), machine_doc(p), p))
    )
    assert squeeze("Mme Roux et M. Petit—6060,00 %") in flat
    assert squeeze("second tour serait nécessaire") in flat


@pytest.mark.parametrize("change", ["figure", "key", "package"])
def test_rt_19_results_pv_refused_unless_signed_by_the_machine(change: str) -> None:
    p = parse_package(package_doc())
    doc, mdoc = results_doc(p, "municipales", [10, 5, 1], 0), machine_doc(p)
    if change == "figure":
        doc["answers"][0]["counts"][0] += 1
    elif change == "key":
        mdoc["signing_key"] = public_key_hex(nacl.signing.SigningKey(bytes(32)))
    else:
        other = parse_package(package_doc(closing="19:00"))
        mdoc["package"] = other.fingerprint
        with pytest.raises(PrintoutError, match="autre paquet"):
            results_pdf(doc, mdoc, other)
        return
    with pytest.raises(PrintoutError, match="signature de la machine ne correspond pas"):
        results_pdf(doc, mdoc, p)


def test_rt_19_results_pv_from_a_real_tally(
    prepared: Callable[..., Machine], key_files: dict[str, Path]
) -> None:
    m = prepared()
    m.open("Claire Martin", "Paul Durand")
    for i, choice in enumerate([0, 2, 2, None]):
        m.activate(1 + i % 2, ["municipales"])
        vote(m, 1 + i % 2, "municipales", choice)
    m.block_all()
    root = m.roots["amovible"]
    with pytest.raises(PrintoutError, match="pas encore dépouillé"):
        results_of(root, "municipales")
    doc = tally.tally_scrutin(m, "municipales", *held(m, key_files))
    flat = squeeze(text_of(results_of(root, "municipales")))
    assert squeeze(f"Registre public du scrutin (manifest.json){doc['record']}") in flat
    assert (
        squeeze("Tête de liste Avenir133,33 %") in flat
        and squeeze("Tête de liste Renouveau266,67 %") in flat
    )
    assert squeeze("Bulletins blancs1") in flat
    assert fingerprint({k: v for k, v in doc.items() if k != "signature"}) in flat


def test_rt_3_5_19_scrutin_machine_print(
    prepared: Callable[..., Machine], key_files: dict[str, Path], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from scrutin.cli.machine import app

    def run(*args: str) -> Any:
        return CliRunner().invoke(app, ["print", *args], catch_exceptions=False)

    m = prepared()
    internal, removable = (str(r) for r in m.roots.values())
    out = tmp_path / "sortie.pdf"
    done = run("preparation", str(out), "--interne", internal)
    assert done.exit_code == 0, done.output
    assert m.package.fingerprint in squeeze(text_of(out.read_bytes()))
    journal = (m.roots["interne"] / files.JOURNAL).read_bytes()
    done = run("initialisation", str(out), "--interne", internal)
    assert done.exit_code == 0 and "Autotestréussi" in squeeze(text_of(out.read_bytes()))
    assert squeeze("établi d'après le journal de la machine") in squeeze(text_of(out.read_bytes()))
    assert (m.roots["interne"] / files.JOURNAL).read_bytes() == journal, "read only"
    m.open("Claire Martin", "Paul Durand")
    m.block_all()
    refused = run("resultats", str(out), "--interne", internal, "--scrutin", "municipales")
    assert refused.exit_code == 2 and "pas encore dépouillé" in refused.output
    doc = tally.tally_scrutin(m, "municipales", *held(m, key_files))
    done = run("resultats", str(out), "--interne", removable, "--scrutin", "municipales")
    assert done.exit_code == 0 and doc["record"] in squeeze(text_of(out.read_bytes()))
    # A results file changed after the tally is refused, in French.
    path = tally.results_path(m.roots["amovible"], "municipales")
    changed = json.loads(path.read_bytes())
    changed["voters"] += 1
    path.write_text(json.dumps(changed))
    refused = run("resultats", str(out), "--interne", removable, "--scrutin", "municipales")
    assert refused.exit_code == 2 and "signature de la machine ne correspond pas" in refused.output


def test_printouts_and_house_style_import_no_web_framework() -> None:
    """``scrutin.pdf`` and ``scrutin.machine.printouts`` load without Django or the platform."""
    import subprocess
    import sys

    code = ("import sys, scrutin.machine.printouts, scrutin.pdf; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'celery') "
            "or m.startswith('scrutin.platform')]; print(bad); sys.exit(1 if bad else 0)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
