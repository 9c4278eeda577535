"""Centralisation with acknowledgements, end to end (RT 22, 23, 28; issue 16).

Three bureaux of one commune run their whole day on the machine's core (prepare, self-test,
opening with two keys, encrypted votes with proofs, closing seal, tally with two keys — the same
code the control module calls; running three full stations with their processes would add minutes
and nothing to what is tested here: ``test_machine_day`` drives one through its pages). Then every
centralisation step goes through the real command line, in its own process, on files as they would
sit on removable media: each bureau exports, the commune's centralising bureau checks (the record
with ``scrutin verify``) and acknowledges, the bureau imports and prints the acknowledgement; the
commune sums, computes the municipal seats (checked against a hand computation), sends its file to
the prefecture, which acknowledges it, and the commune imports that acknowledgement. A tampered
file, a replayed file and a file of another election are refused in French.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scrutin.crypto.encoding import canonical_json
from scrutin.machine.core.machine import Machine

from ..unit.machine.centralday import commune_day, prepare_bureau, run_day
from ..unit.machine.conftest import CODES
from .machine_station import free_port, run, start, stop, wait_up
from .navigation import submit

pytestmark = pytest.mark.e2e
SCRUTINS = ("municipales", "departementales")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("Erreur : fichier refusé.")
    return result.stderr


def supports(m: Machine) -> list[str]:
    return ["--interne", str(m.roots["interne"]), "--amovible", str(m.roots["amovible"])]


def test_rt_22_23_28_three_bureaux_centralised_and_acknowledged_at_both_levels(
    tmp_path: Path,
) -> None:
    machines = commune_day(tmp_path)
    # Town hall, after the preparation: the centralisation knows each bureau's machine key.
    out = ok(run("machine", "centralise", "setup", "mairie",
                 *[a for m in machines.values() for a in ("--bureau", str(m.roots["amovible"]))],
                 cwd=tmp_path))  # fmt: skip
    assert "3 bureau(x)" in out
    for n, m in machines.items():
        stick = tmp_path / f"cle-{n}"
        out = ok(
            run("machine", "results-export", *supports(m), "--sortie", str(stick), cwd=tmp_path)
        )
        assert out.count("Écrit : ") == 2
        for sid in SCRUTINS:
            sent = stick / f"94078-{n}-{sid}.json"
            ack = tmp_path / f"accuse-{n}-{sid}.json"
            out = ok(run("machine", "centralise", "receive", "mairie", str(sent),
                         "--accuse", str(ack), cwd=tmp_path))  # fmt: skip
            assert "Fichier accepté" in out and "registre non joint" not in out
            pdf = tmp_path / f"accuse-{n}-{sid}.pdf"
            out = ok(run("machine", "results-ack", str(ack), *supports(m), "--pdf", str(pdf),
                         cwd=tmp_path))  # fmt: skip
            assert "inscrit au journal" in out
            assert pdf.read_bytes().startswith(b"%PDF")
        restarted = Machine(*m.roots.values())
        acks = [e for e in restarted.journal if e.event == "central:ack"]
        assert [e.data["scrutin"] for e in acks] == list(SCRUTINS)
    status = ok(run("machine", "centralise", "status", "mairie", cwd=tmp_path))
    assert "manquant(s) : aucun" in status and "provisoire" not in status
    # Hand computation (L262): A 14, B 7, C 4 of 25 cast; 15 bonus seats to A, then 14 by
    # highest average: A 8, B 4, C 2 (see test_l262_majority_bonus_on_the_communes_sum_by_hand).
    assert "sièges : Liste Avenir 23, Liste Ensemble 4, Liste Renouveau 2" in status
    assert "inscrits 36, votants 27, nuls 0" in status
    assert "Mme Roux et M. Petit : 14" in status and "Mme Lefèvre et M. Garnier : 12" in status

    # Refusals: the same file again, one voice changed, a file of another election.
    sent = tmp_path / "cle-1" / "94078-1-municipales.json"
    err = refused(run("machine", "centralise", "receive", "mairie", str(sent),
                      "--accuse", str(tmp_path / "x.json"), cwd=tmp_path))  # fmt: skip
    assert "fichier déjà reçu (rejeu) : accusé de réception n° 1" in err
    doc = json.loads(sent.read_bytes())
    doc["figures"]["answers"][0]["votes"][:2] = [4, 4]  # one voice moved from A to B
    tampered = tmp_path / "modifie" / sent.name
    tampered.parent.mkdir()
    tampered.write_bytes(canonical_json(doc))
    err = refused(run("machine", "centralise", "receive", "mairie", str(tampered),
                      "--accuse", str(tmp_path / "x.json"), cwd=tmp_path))  # fmt: skip
    assert "signature invalide : le fichier a été modifié après sa signature" in err
    other = prepare_bureau(
        tmp_path / "ailleurs", "1", 12, commune={"name": "Autreville", "insee": "94079"}
    )
    run_day(tmp_path / "ailleurs", other, {"municipales": [0], "departementales": [1]})
    ok(run("machine", "results-export", *supports(other), "--sortie", str(tmp_path / "cle-x"),
           cwd=tmp_path))  # fmt: skip
    err = refused(run("machine", "centralise", "receive", "mairie",
                      str(tmp_path / "cle-x" / "94079-1-municipales.json"),
                      "--accuse", str(tmp_path / "x.json"), cwd=tmp_path))  # fmt: skip
    assert "fichier d'une autre élection (commune Autreville, INSEE 94079" in err
    assert not (tmp_path / "x.json").exists()

    # Commune → prefecture, acknowledged the same way.
    ok(run("machine", "centralise", "setup-prefecture", "prefecture", "--code", "94",
           "--nom", "Préfecture du Val-de-Marne", "--date", "2027-03-14", "--commune", "mairie",
           cwd=tmp_path))  # fmt: skip
    for sid in SCRUTINS:
        ok(run("machine", "centralise", "export", "mairie", "--scrutin", sid, "--sortie", "pref",
               cwd=tmp_path))  # fmt: skip
        ack = tmp_path / f"accuse-prefecture-{sid}.json"
        ok(run("machine", "centralise", "receive", "prefecture", f"pref/94078-{sid}.json",
               "--accuse", str(ack), cwd=tmp_path))  # fmt: skip
        ok(run("machine", "centralise", "import-ack", "mairie", str(ack), cwd=tmp_path))
        err = refused(run("machine", "centralise", "receive", "prefecture", f"pref/94078-{sid}.json",
                          "--accuse", str(tmp_path / "y.json"), cwd=tmp_path))  # fmt: skip
        assert "rejeu" in err
    commune = json.loads((tmp_path / "pref" / "94078-municipales.json").read_bytes())
    assert commune["counting"]["seats"] == {
        "Liste Avenir": 23,
        "Liste Ensemble": 4,
        "Liste Renouveau": 2,
    }
    assert [b["number"] for b in commune["bureaux"]] == ["1", "2", "3"]
    departmental = json.loads((tmp_path / "pref" / "94078-departementales.json").read_bytes())
    assert departmental["decided"] is False and departmental["counting"] is None
    pref = ok(run("machine", "centralise", "status", "prefecture", cwd=tmp_path))
    assert "votants 27" in pref


def test_rt_22_23_the_control_module_exports_and_prints_the_acknowledgement(
    tmp_path: Path, chromium: Any
) -> None:
    """The president's page, in Chromium, on a tallied bureau's running control module."""
    m = prepare_bureau(tmp_path, "4", 20)
    run_day(tmp_path, m, {"municipales": [0, 1, None], "departementales": [1, 0, 0]})
    centre = ok(run("machine", "centralise", "setup", "mairie", "--bureau", str(m.roots["amovible"]),
                    cwd=tmp_path))  # fmt: skip
    assert "1 bureau(x)" in centre
    port = free_port()
    proc = start(["machine", "control", *supports(m), "--port", str(port)], tmp_path,
                 tmp_path / "controle.log")  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base + "/", proc)
        page = chromium.new_context(
            locale="fr-FR", viewport={"width": 1280, "height": 900}
        ).new_page()
        page.goto(base + "/")
        submit(page, "text=Centralisation : exporter les résultats")
        assert "réservée aux membres du bureau qui détiennent les clés" in page.content()
        keys = m.roots["interne"].parent
        page.set_input_files("input[name=cle_president]", str(keys / "president.cle"))
        page.fill("input[name=code_president]", CODES["president"])
        page.set_input_files("input[name=cle_assesseur]", str(keys / "assesseur-1.cle"))
        page.fill("input[name=code_assesseur]", CODES["assesseur-1"])
        page.click("button:has-text('Accéder à la centralisation')")
        page.click("section[aria-label*='municipaux'] button:has-text('Exporter')")
        assert "Résultats exportés sur le support amovible" in page.inner_text("[role=status]")
        sent = m.roots["amovible"] / "transmission" / "94078-4-municipales.json"
        assert "94078-4-municipales.json" in page.inner_text("section[aria-label*='municipaux']")
        ack = tmp_path / "accuse.json"
        ok(run("machine", "centralise", "receive", "mairie", str(sent), "--accuse", str(ack),
               cwd=tmp_path))  # fmt: skip
        # An acknowledgement altered on the way is refused, in French, and nothing is kept.
        altered = json.loads(ack.read_bytes()) | {"number": 7}
        (tmp_path / "modifie.json").write_bytes(canonical_json(altered))
        page.set_input_files("input[name=accuse]", str(tmp_path / "modifie.json"))
        page.click("button:has-text('Importer l\\'accusé')")
        assert "sa signature ne correspond pas à son contenu" in page.inner_text("[role=alert]")
        page.set_input_files("input[name=accuse]", str(ack))
        page.click("button:has-text('Importer l\\'accusé')")
        assert "Accusé de réception accepté" in page.inner_text("[role=status]")
        row = page.inner_text("section[aria-label*='municipaux']")
        assert "✓ n° 1, reçu par Villeneuve-sur-Essai" in row
        page.screenshot(path=str(tmp_path / "centralisation.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 800})
        page.screenshot(path=str(tmp_path / "centralisation-360.png"), full_page=True)
        pdf = page.request.get(base + "/centralisation/municipales/accuse.pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        (tmp_path / "accuse.pdf").write_bytes(pdf.body())
        journal = page.request.get(base + "/journal/").text()
        assert "Accusé de réception n° 1 du bureau centralisateur" in journal
    finally:
        stop([proc])
