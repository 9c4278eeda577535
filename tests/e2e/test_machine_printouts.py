"""The control module's printouts through the real processes (RT 3, 5, 19, 21): the preparation
and the initialisation procès-verbal before the opening (the latter only after a self-test), the
results procès-verbal after the two-key tally, and not to a browser that did not show the keys."""

from __future__ import annotations

import io
import json
import urllib.error
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from .machine_station import Web, station

pytestmark = pytest.mark.e2e


def package() -> dict[str, Any]:
    return {
        "format": "scrutin-machine-package/v1",
        "commune": {"name": "Villeneuve-sur-Essai", "insee": "94078"},
        "bureau": {"number": "3"}, "date": "2027-03-14", "opening": "08:00", "closing": "18:00",
        "members": [{"role": "president", "name": "Claire Martin"},
                    {"role": "assessor", "name": "Paul Durand", "key_holder": True}],
        "scrutins": [{"id": "departementales", "preset": "departmental", "seats": 1,
                      "registered": 40, "title": "Élection des conseillers départementaux",
                      "candidates": [{"id": "b1", "name": "Mme Roux et M. Petit"},
                                     {"id": "b2", "name": "Mme Lefèvre et M. Garnier"}]}],
    }  # fmt: skip


def pdf_text(web: Web, path: str) -> str:
    with web.opener.open(web.base + path, timeout=60) as r:
        assert r.headers["Content-Type"] == "application/pdf"
        data = r.read()
    pages = PdfReader(io.BytesIO(data)).pages
    return "".join("".join(p.extract_text().split()) for p in pages)


def test_rt_3_5_19_21_printouts_of_the_control_module(tmp_path: Path) -> None:
    with station(tmp_path, package()) as st:
        president = Web(st["control"])
        with pytest.raises(urllib.error.HTTPError) as refused:
            president.get("/imprimer/initialisation.pdf")
        assert refused.value.code == 409
        assert "Aucun autotest" in refused.value.read().decode().replace("&#x27;", "'")
        assert "Autotest réussi" not in president.get("/")
        assert "réussi" in president.post("/autotest/", [], president.get("/"))
        fp = json.loads((tmp_path / "interne" / "machine.json").read_text())["package"]
        assert fp in pdf_text(president, "/imprimer/preparation.pdf")
        init = pdf_text(president, "/imprimer/initialisation.pdf")
        assert "Autotestréussi" in init and "Compteursdevotesàzéro✓conforme" in init

        assert "Scrutin ouvert" in president.keys("/ouvrir/", st, president.get("/")).decode()
        voter = Web(st["terminals"][1])
        for choice in ("b1", "b2", "b1"):
            president.post("/terminal/1/activer/", [("scrutin", "departementales")], president.get("/"))  # fmt: skip
            page = voter.get("/scrutin/departementales/")
            recap = voter.post("/scrutin/departementales/",
                               [("q-departementales", choice), ("step", "recap")], page)  # fmt: skip
            voter.post("/scrutin/departementales/",
                       [("q-departementales", choice), ("step", "confirm")], recap)  # fmt: skip
        president.post("/clore/", [("confirmer", "oui")], president.get("/"))
        done = president.keys(
            "/depouiller/", st, president.get("/"), ("scrutin", "departementales")
        )
        assert "Chiffres du bureau" in done.decode()
        results = json.loads(
            (tmp_path / "interne" / "results" / "departementales.json").read_text()
        )
        pv = pdf_text(president, "/resultats/departementales/pv.pdf")
        assert results["record"] in pv and "Votants3(participation:7,50%)" in pv
        assert "MmeRouxetM.Petit—266,67%" in pv

        # RT 21: another browser, which did not show the keys, gets the keys form, not the PV.
        other = Web(st["control"])
        with other.opener.open(other.base + "/resultats/departementales/pv.pdf", timeout=60) as r:
            page = r.read().decode()
        assert "Présentez la clé du président" in page and "%PDF" not in page
