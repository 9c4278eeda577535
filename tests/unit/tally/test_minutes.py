"""The procès-verbal (CCTP 3.2.2.6, 4.1.4.8, 4.1.4.8.1): every mention, signature, determinism.

The golden file is compared byte for byte (ReportLab invariant mode, fonts embedded from
fonts-dejavu-core); set SCRUTIN_UPDATE_GOLDEN=1 to rewrite it after an intended change (or a new
ReportLab or DejaVu version), then review the PDF.
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pypdf import PdfReader

from scrutin.platform.tally.exports import ResultsDocumentError, document_fingerprint
from scrutin.platform.tally.fixtures import SAMPLE_CCIS, sample_key, sample_urn_results
from scrutin.platform.tally.minutes import _render, _when, main, minutes_all_pdf, minutes_pdf

from .samples import KEY, people, resign, squeeze, text_of, urn_documents

GOLDEN = Path(__file__).parents[2] / "golden" / "proces-verbal-750-SS1.pdf"


def _golden_doc() -> dict[str, Any]:
    """Paris, services, sub-category S1: CCIR members with suppléants, a CCIT tie left to the
    commission, three key holders."""
    return sample_urn_results(7, key=sample_key("golden"), cci=SAMPLE_CCIS[4], category="S",
                              subcategory="S1", ccir_seats=2, ccit_seats=8, ccir_candidates=5,
                              ccit_candidates=9, groupements=3, tie="undecided", trustees=3)  # fmt: skip


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def test_cctp_3_2_2_6_minutes_match_golden_file() -> None:
    doc = _golden_doc()
    pdf = minutes_all_pdf(doc)
    assert pdf == minutes_all_pdf(copy.deepcopy(doc)), "same document, same bytes"
    if os.environ.get("SCRUTIN_UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(pdf)
    assert pdf == GOLDEN.read_bytes(), (
        "procès-verbal changed: review it, then update the golden file (SCRUTIN_UPDATE_GOLDEN=1)"
    )


def test_pdf_creation_date_and_metadata_come_from_the_document() -> None:
    doc = _golden_doc()
    info = PdfReader(io.BytesIO(minutes_pdf(doc, "ccit"))).metadata
    assert info is not None
    finished = datetime.fromisoformat(doc["times"]["tally_finished_at"])
    assert info["/CreationDate"] == f"D:{finished:%Y%m%d%H%M%S}+01'00'"
    assert info["/Title"] == "Procès-verbal 750-SS1 CCIT"
    assert document_fingerprint(doc) in info["/Keywords"]


@pytest.mark.parametrize("ballot_id", ["ccir", "ccit"])
def test_cctp_3_2_2_6_and_4_1_4_8_1_minutes_carry_every_mention(ballot_id: str) -> None:
    doc = _golden_doc()
    ballot = next(b for b in doc["ballots"] if b["id"] == ballot_id)
    text = text_of(minutes_pdf(doc, ballot_id))
    flat = squeeze(text)
    urn = doc["urn"]
    # the election
    for mention in (doc["cci"]["label"], "code 750", doc["region"], urn["code"], urn["title"],
                    "S — Services", "S1 — moins de 10 salariés", ballot["title"],
                    f"Sièges à pourvoir\n{ballot['seats']}", f"({ballot['kind']})"):  # fmt: skip
        assert squeeze(mention) in flat, mention
    # opening and closing (Paris time, across the change to winter time on 25 October 2026)
    assert "Ouverture du vote\nmardi 20 octobre 2026 à 09 h 00" in text
    assert "Clôture prévue\nmardi 27 octobre 2026 à 18 h 00" in text
    assert "Clôture effective\nmardi 27 octobre 2026 à 18 h 00" in text
    assert f"Début du dépouillement\n{_when(doc['times']['tally_started_at'])}" in text
    # the figures
    assert f"Électeurs inscrits\n{_n(doc['registered'])}" in text
    assert f"Votants\n{_n(doc['voters'])} (taux de participation" in text
    assert f"Bulletins blancs\n{_n(ballot['blank'])}" in text
    assert "Bulletins nuls\n0 — Le vote par internet ne peut pas produire de bulletin nul" in text
    assert f"Suffrages exprimés\n{_n(ballot['cast'])} (votants − blancs − nuls)" in text
    assert ballot["cast"] == doc["voters"] - ballot["blank"] - ballot["null"]
    # votes per candidate, with groupement and suppléant
    for c in ballot["candidates"]:
        word = "suppléante" if (c["substitute"] or "").startswith("Mme ") else "suppléant"
        row = squeeze(c["name"]) + (f"{word}:{squeeze(c['substitute'])}" if c["substitute"] else "")  # fmt: skip
        row += squeeze(c["groupement"] or "—") + squeeze(_n(c["votes"]))
        assert row in flat, row
    # the elected
    elected = [c for c in ballot["candidates"] if c["elected"]]
    assert elected
    assert flat.count("Élu(e)") >= 1  # the header of the table of the elected
    for c in elected:  # the votes table marks each, « Élue » or « Élu » after the civility
        word = "Élue" if c["name"].startswith("Mme ") else "Élu"
        assert word in flat
    if ballot_id == "ccir":
        assert "Sontélusmembresdelachambredecommerceetd'industriederégionet,àcetitre" in flat
        for c in elected:
            assert squeeze(c["substitute"]) in flat
    else:
        ccir = doc["ballots"][0]
        members = [c for c in ccir["candidates"] if c["elected"]]
        assert f"a) {2 * len(members)} sièges pour les {len(members)} membres élus" in text
        for c in members:  # CCIR members and their suppléants are seated in the CCIT (R713-27)
            assert squeeze(c["name"]) in flat and squeeze(c["substitute"]) in flat
        assert sorted(ballot["substitutes_elected"]) == sorted(c["substitute"] for c in members)
        left = ballot["seats"] - 2 * len(members)
        assert f"b) {left} sièges restant à pourvoir" in text
        # the tie the birth dates cannot settle is left to the commission
        (undecided,) = ballot["undecided"]
        assert "Égalités à départager par la commission" in text
        assert "Décision de la commission" in text
        for name in undecided["between"]:
            assert squeeze(name) in flat
        assert flat.count("Égalité") >= 3
    # seats per groupement
    assert "6. Répartition des sièges par groupement" in text
    for g in ballot["groupements"]:
        assert squeeze(g["name"]) in flat
    assert f"Total\n{ballot['seats']}" in text
    # control: key holders, every fingerprint, the platform's signature and how to check it
    for trustee in doc["decrypted_by"]:
        assert squeeze(doc["trustee_names"][trustee]) in flat
    president = doc["trustee_names"][doc["decrypted_by"][0]]
    assert squeeze(f"{president} (président de la commission)") in flat
    for fp in (doc["election"], doc["tally"], doc["result"], *doc["seals"].values(),
               doc["signature"]["key"], doc["signature"]["value"], document_fingerprint(doc)):  # fmt: skip
        assert fp in flat, fp
    assert "scrutin verify" in text
    # proclamation and signatures
    started = datetime.fromisoformat(doc["times"]["tally_started_at"])
    assert squeeze(_when((started + timedelta(hours=72)).isoformat())) in flat
    assert "proclamés en public le" in text
    assert squeeze("Le président de la commission d'organisation des élections") in flat
    assert text.count("Membre de la commission") == 5
    assert text.count("Scrutateur") == 2  # at least two scrutateurs assist the president (4.1.4.8)
    assert "page 1 / " in text


def test_l713_16_tie_settled_by_age_is_stated() -> None:
    doc = sample_urn_results(2, key=KEY, tie="age", zero_votes=4, ccit_candidates=9)
    ccit = doc["ballots"][1]
    text = text_of(minutes_pdf(doc, "ccit"))
    assert "le plus âgé est proclamé élu (Code de commerce, art. L713-16)" in text
    last = min(c["votes"] for c in ccit["candidates"] if c["elected"])
    (loser,) = [c for c in ccit["candidates"] if not c["elected"] and c["votes"] == last]
    assert squeeze(f"non élu(e) {loser['name']} (né(e) le") in squeeze(text)


def test_vacant_seats_when_too_few_candidates_have_votes() -> None:
    doc = sample_urn_results(3, key=KEY, regional=False, ccit_seats=5, ccit_candidates=3)
    text = text_of(minutes_pdf(doc, "ccit"))
    assert "Ce scrutin ne comporte pas d'élection à la chambre de région" in text
    assert "Sièges vacants\n2" in text and "restent vacants faute de candidat" in text


def test_ccir_tie_reserves_the_member_and_substitute_seats_of_the_ccit() -> None:
    doc = sample_urn_results(1, key=KEY, tie="ccir-undecided")
    (tie,) = doc["ballots"][0]["undecided"]
    text = text_of(minutes_pdf(doc, "ccit"))
    assert "sièges en attente de la décision de la commission sur l'égalité au scrutin CCIR" in text
    assert f"Égalité au scrutin CCIR entre {tie['between'][0]}" in text.replace("\n", " ")


def test_paris_time_is_shown_whatever_offset_the_document_uses() -> None:
    assert _when("2026-10-27T17:00:00+00:00") == "mardi 27 octobre 2026 à 18 h 00"
    assert _when("2026-10-20T07:00:00Z") == "mardi 20 octobre 2026 à 09 h 00"
    assert _when("2026-11-01T09:05:00+01:00") == "dimanche 1er novembre 2026 à 09 h 05"
    assert _when(None) == "non renseigné"


def test_100_candidate_ballot_paginates_with_every_candidate() -> None:
    doc = sample_urn_results(4, key=KEY, ccir_seats=6, ccit_seats=30, ccir_candidates=12,
                             ccit_candidates=100, long_names=True, groupements=6)  # fmt: skip
    pdf = minutes_pdf(doc, "ccit")
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 4
    text = text_of(pdf)
    flat = squeeze(text)
    for c in doc["ballots"][1]["candidates"]:
        assert squeeze(c["name"]) in flat
    assert f"page {pages} / {pages}" in text
    # the header row is repeated on every page the table runs over
    assert sum("N°\nCandidat\nGroupement" in page.extract_text() for page in reader.pages) >= 2


def test_both_ballots_in_one_file_each_from_its_own_page() -> None:
    doc = _golden_doc()
    reader = PdfReader(io.BytesIO(minutes_all_pdf(doc)))
    firsts = [i for i, p in enumerate(reader.pages) if "PROCÈS-VERBAL" in p.extract_text()]
    assert len(firsts) == 2
    assert "(CCIR)" in reader.pages[firsts[0]].extract_text()
    assert "(CCIT)" in reader.pages[firsts[1]].extract_text()
    assert "PV 750-SS1 — CCIT" in reader.pages[-1].extract_text()


def test_tampered_document_is_refused() -> None:
    doc = _golden_doc()
    doc["ballots"][1]["candidates"][0]["votes"] += 1
    with pytest.raises(ResultsDocumentError, match="Signature de la plate-forme invalide"):
        minutes_pdf(doc, "ccit")


def test_document_signed_by_another_key_is_refused_when_the_platform_key_is_given() -> None:
    doc = _golden_doc()
    minutes_pdf(doc, "ccir", expected_key=doc["signature"]["key"])
    other = resign(doc, sample_key("someone else"))
    with pytest.raises(ResultsDocumentError, match="autre clé"):
        minutes_pdf(other, "ccir", expected_key=doc["signature"]["key"])


def test_inconsistent_document_is_refused_even_if_signed() -> None:
    doc = copy.deepcopy(_golden_doc())
    doc["ballots"][1]["groupements"][0]["seats"] += 1
    with pytest.raises(ResultsDocumentError, match="siège"):
        minutes_pdf(resign(doc), "ccit")


def test_a_seal_never_made_is_shown_as_such() -> None:
    doc = copy.deepcopy(_golden_doc())
    doc["seals"]["platform"] = ""
    text = text_of(minutes_pdf(resign(doc), "ccit"))
    assert "Scellement de la plate-forme\n(aucun scellement)" in text


def test_unknown_ballot_is_refused() -> None:
    with pytest.raises(ResultsDocumentError, match="pas de bulletin « ccirx »"):
        minutes_pdf(_golden_doc(), "ccirx")


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(urn_documents())
def test_property_any_valid_document_renders_with_every_name(doc: dict[str, Any]) -> None:
    text = squeeze(text_of(minutes_all_pdf(doc)))
    for name in people(doc):
        if any(name == c["name"] for b in doc["ballots"] for c in b["candidates"]):
            assert squeeze(name) in text, name
    assert text.count("PROCÈS-VERBAL") == len(doc["ballots"])


def test_anyone_can_rebuild_the_same_pv_from_the_signed_document(tmp_path: Path) -> None:
    """``python -m scrutin.platform.tally.minutes``: same bytes as the platform's PV."""
    doc = _golden_doc()
    source = tmp_path / "resultats.json"
    source.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    out = tmp_path / "pv.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "scrutin.platform.tally.minutes", str(source), "tous", str(out),
         "--cle", doc["signature"]["key"]],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert out.read_bytes() == GOLDEN.read_bytes()
    doc["voters"] -= 1
    source.write_text(json.dumps(doc), encoding="utf-8")
    assert main([str(source), "ccit", str(out)]) == 1


def test_review_12_minutes_name_the_holders_the_region_and_each_suppleant() -> None:
    """Issue 12: the PV names the key holders (never « president », « assesseur-1 »), prints the
    president's name in the signature box, names the region of the CCIR, writes « suppléant » or
    « suppléante » per person and has no « leur suppléants »."""
    doc = _golden_doc()
    text = text_of(minutes_all_pdf(doc))
    flat = squeeze(text)
    for trustee in doc["decrypted_by"]:
        assert f"« {trustee} »" not in text and f"({trustee})" not in text
    president = doc["trustee_names"][doc["decrypted_by"][0]]
    box = squeeze("Le président de la commission d'organisation des élections") + squeeze(president)
    assert box in flat
    assert (
        squeeze("chambre de commerce et d'industrie de région (CCIR)") + squeeze(doc["region"])
        in flat
    )
    assert "suppléant(e)" not in text
    assert "leur suppléants" not in text and "leurs suppléants" in text
    nameless = copy.deepcopy(doc)
    nameless["trustee_names"] = {}
    nameless["signature"] = {"key": doc["signature"]["key"], "value": "00" * 64}
    nameless_text = squeeze(text_of(_render(nameless, nameless["ballots"][:1], "0" * 64)))
    assert squeeze("président de la commission (nom non enregistré)") in nameless_text
