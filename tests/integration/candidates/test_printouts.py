"""COE print-outs (CCTP 4.1.3): electoral list, candidatures and professions de foi as PDF.
The candidatures print-out is compared byte for byte with a golden file (ReportLab invariant
mode); set SCRUTIN_UPDATE_GOLDEN=1 to rewrite it after an intended change, then review it."""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from pypdf import PdfReader

from scrutin.platform.candidates import printouts, services
from scrutin.platform.candidates.professions import store_profession
from scrutin.platform.electoral.models import Elector

from .conftest import add_candidate, question, reportlab_pdf, urn

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).parent / "golden" / "candidatures-011-C.pdf"
PRODUCED = datetime(2026, 10, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _fill() -> None:
    ccir, ccit = question("011-C", "CCIR"), question("011-C", "CCIT")
    g = services.create_groupement(ccir, "Agir pour l'Ain")
    add_candidate(ccir, g, last_name="Martin", first_name="Jean", birth_date=date(1961, 4, 2),
                  activity="boulanger", town="Bolbec", substitute_civility="Mme",
                  substitute_last_name="Roux", substitute_first_name="Léa")  # fmt: skip
    add_candidate(ccir, g, last_name="Petit", first_name="Anne", civility="Mme",
                  birth_date=date(1975, 12, 30), substitute_civility="Mme",
                  substitute_last_name="Blanc", substitute_first_name="Zoé")  # fmt: skip
    add_candidate(ccit, last_name="Seul", first_name="Paul", birth_date=date(1980, 1, 1),
                  town="Oyonnax", delegation="Bugey")  # fmt: skip


def test_cctp_4_1_3_candidatures_pdf_matches_golden_file(structure: None) -> None:
    _fill()
    pdf = printouts.candidatures_pdf(urn("011-C"), produced_at=PRODUCED, invariant=True)
    assert pdf == printouts.candidatures_pdf(urn("011-C"), produced_at=PRODUCED, invariant=True)
    if os.environ.get("SCRUTIN_UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(pdf)
    assert pdf == GOLDEN.read_bytes(), (
        "candidatures print-out changed: review, then update the golden file"
    )
    text = _text(pdf)
    for expected in ("Agir pour l'Ain", "M. Jean MARTIN", "Mme Léa ROUX", "même sexe",
                     "Candidature individuelle", "Bugey", "01/10/2026 à 09:30", "non scellées"):  # fmt: skip
        assert expected in text, expected


def test_candidatures_pdf_shows_the_seal(structure: None) -> None:
    _fill()
    seal = services.seal(urn("011-C"))
    assert seal.fingerprint in _text(printouts.candidatures_pdf(urn("011-C"))).replace("\n", "")


def test_electoral_list_pdf_lists_every_elector_of_the_urn(structure: None) -> None:
    electors = list(Elector.objects.filter(urn=urn("011-C")))
    assert electors
    text = _text(printouts.electors_pdf(urn("011-C")))
    for e in electors:
        assert e.number in text and e.usage_name in text
    assert f"{len(electors)} électeur" in text
    for other in Elector.objects.exclude(urn=urn("011-C")):
        assert other.number not in text


def test_professions_pdf_lists_each_document_with_its_hash(structure: None) -> None:
    q = question("011-C", "CCIT")
    doc = store_profession(add_candidate(q, last_name="Seul"), reportlab_pdf(), "tract.pdf")
    text = _text(printouts.professions_pdf(urn("011-C"))).replace("\n", "")
    assert "M. Jean SEUL" in text and doc.sha256 in text and "tract.pdf" in text


def test_printout_urls_return_pdf(coe_011: Client) -> None:
    _fill()
    for what in ("candidatures", "professions-de-foi"):
        response = coe_011.get(f"/gestion/candidatures/urne/011-C/{what}.pdf")
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    long_list = coe_011.get("/gestion/candidatures/urne/011-C/liste-electorale.pdf")  # a job
    assert long_list.url == "/gestion/documents/urne/011-C/liste-electorale/"
    assert coe_011.get("/gestion/candidatures/urne/011-C/autre.pdf").status_code == 404
