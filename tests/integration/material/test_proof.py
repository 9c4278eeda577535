"""The BAT proof (CCTP 5.2.2): the COE's own letter, for an elector of its list, marked
« SPÉCIMEN », with a code that can never be valid; refused in plain French when it cannot be
composed yet."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from scrutin.platform.credentials.codes import ALPHABET
from scrutin.platform.electoral.models import Elector
from scrutin.platform.material.proof import SPECIMEN_CODE

from .conftest import choose, client_for, text

pytestmark = pytest.mark.django_db

PROOF = "/gestion/materiel/cci/011/bat/epreuve.pdf"


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "epreuve.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def test_cctp_5_2_2_proof_is_the_cci_letter_marked_specimen(
    president: User, tmp_path: Path
) -> None:
    choose(president)
    response = client_for(president).get(PROOF)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    content = pdf_text(response.content, tmp_path)
    if folder := os.environ.get("SCRUTIN_SCREENSHOTS"):  # kept for a human look
        (Path(folder) / "epreuve-bat-011.pdf").write_bytes(response.content)
    sample = Elector.objects.filter(cci_code="011").exclude(postal_city="").order_by("number")[0]
    for expected in ("SPÉCIMEN", "CCI de l'Ain", "1 rue Joseph Bernier", sample.number,
                     SPECIMEN_CODE, "19 novembre 2026", "vote.cci.test"):  # fmt: skip
        assert expected in content, expected
    assert any(c not in ALPHABET for c in SPECIMEN_CODE.replace("-", ""))  # never a valid code


def test_cctp_5_2_2_proof_refused_in_french_before_the_cci_address_is_given(
    president: User,
) -> None:
    response = client_for(president).get(PROOF)
    assert response.status_code == 409
    assert "L'adresse de la CCI (en-tête du courrier) n'est pas encore saisie" in text(response)


def test_cctp_5_2_2_proof_refused_while_the_vote_dates_are_not_fixed(
    president: User, settings: object
) -> None:
    choose(president)
    settings.SCRUTIN_VOTE_OPENS_AT = ""  # type: ignore[attr-defined]
    response = client_for(president).get(PROOF)
    assert response.status_code == 409
    assert "Les dates d'ouverture et de clôture du vote ne sont pas encore fixées" in text(response)
