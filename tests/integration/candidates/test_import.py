"""CSV import of candidatures for one CCI (CCTP 4.1.3): per-line report, all or nothing,
seats limit, sealed urns refused; the same from ``scrutin candidates import``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.candidates import importing, services
from scrutin.platform.candidates.models import Candidate, CandidaturesSeal, Groupement

from .conftest import add_candidate, csv_bytes, question, urn

pytestmark = pytest.mark.django_db

SUB = ["Mme", "Durand", "Claire", "09/01/1975"]


def row(scrutin: str, kind: str, groupement: str, last: str, **over: str) -> list[str]:
    values = [scrutin, kind, groupement, over.get("civ", "M."), last, over.get("first", "Jean"),
              over.get("birth", "17/05/1970"), "boulanger", "Bolbec", over.get("delegation", "")]  # fmt: skip
    return values + (
        over["sub"].split("|")
        if "sub" in over
        else SUB
        if kind.startswith("CCIR")
        else ["", "", "", ""]
    )


def write(tmp_path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path = tmp_path / "candidatures.csv"
    path.write_bytes(csv_bytes(rows).decode().encode(encoding))
    return path


GOOD = [
    row("011-C", "CCIR+CCIT", "Agir pour l'Ain", "Martin"),
    row("011-C", "CCIR+CCIT", "Agir pour l'Ain", "Petit", civ="Mme", first="Léa", sub="M.|Roux|Paul|01/02/1980"),
    row("011-C", "CCIT", "", "Seul"),
    row("011-I", "CCIT", "Union", "Dubois"),
    row("011-C", "CCIT", "Commerce d'abord", "Bernard"),
]  # fmt: skip


def test_cctp_4_1_3_import_creates_groupements_in_file_order(
    structure: None, tmp_path: Path
) -> None:
    outcome = importing.import_candidatures(write(tmp_path, GOOD, "cp1252"), "011")
    assert outcome.accepted, outcome.report.issues
    assert outcome.created == {"groupements": 3, "candidats": 5}
    ccir = question("011-C", "CCIR")
    g = Groupement.objects.get(question=ccir)
    assert g.name == "Agir pour l'Ain" and g.registration == 1
    assert list(g.candidates.values_list("last_name", "position")) == [("Martin", 1), ("Petit", 2)]
    assert g.candidates.get(position=2).substitute_last_name == "Roux"
    ccit = question("011-C", "CCIT")
    assert Candidate.objects.get(last_name="Seul").registration == 1
    assert Groupement.objects.get(question=ccit).registration == 2


def test_import_report_per_line_and_nothing_imported(structure: None, tmp_path: Path) -> None:
    rows = [
        GOOD[0],
        row("999-X", "CCIT", "", "Inconnu"),
        row("011-C", "CCIT", "", "Date", birth="31/02/1970"),
        row("011-C", "CCIX", "", "Type"),
        row("974-C", "CCIT", "", "AutreCci"),
        row("974-C", "CCIR+CCIT", "", "SansCcir"),
        row("011-C", "CCIT", "", "Civ", civ="Monsieur le"),
        row("011-C", "CCIR+CCIT", "", "MemeSexe", sub="M.|Roux|Paul|01/02/1980"),
    ]
    outcome = importing.import_candidatures(write(tmp_path, rows), "011")
    assert not outcome.accepted and Candidate.objects.count() == 0
    found = {(i.line, i.column, i.blocking) for i in outcome.report.issues}
    assert (3, "SCRUTIN", True) in found and (4, "DATE DE NAISSANCE", True) in found
    assert (5, "CANDIDATURE", True) in found and (6, "SCRUTIN", True) in found
    assert (8, "CIVILITE", True) in found
    assert (9, "CIVILITE SUPPLEANT", False) in found  # CCTP 3.2.2.2: a warning, not a block
    assert outcome.report.rows == 8


def test_cctp_4_1_3_import_blocks_groupement_over_seats(structure: None, tmp_path: Path) -> None:
    ccit = question("011-C", "CCIT")  # 3 seats
    g = services.create_groupement(ccit, "Union")
    add_candidate(ccit, g, last_name="Déjà")
    rows = [row("011-C", "CCIT", "union", f"N{i}") for i in range(3)]
    outcome = importing.import_candidatures(write(tmp_path, rows), "011")
    assert not outcome.accepted
    [issue] = [i for i in outcome.report.issues if i.blocking]
    assert issue.line == 4 and issue.column == "GROUPEMENT" and "3 candidats" in issue.message
    outcome = importing.import_candidatures(write(tmp_path, rows[:2]), "011")
    assert outcome.accepted and g.candidates.count() == 3


def test_import_refused_on_sealed_urn(structure: None, tmp_path: Path) -> None:
    add_candidate(question("011-C", "CCIT"), last_name="Seul")
    services.seal(urn("011-C"))
    outcome = importing.import_candidatures(write(tmp_path, [row("011-C", "CCIT", "", "X")]), "011")
    assert not outcome.accepted and "scellées" in outcome.report.issues[0].message


def test_import_refuses_a_person_twice_and_a_missing_column(
    structure: None, tmp_path: Path
) -> None:
    outcome = importing.import_candidatures(write(tmp_path, [GOOD[2], GOOD[2]]), "011")
    assert not outcome.accepted and outcome.report.issues[0].line == 3
    path = tmp_path / "bad.csv"
    path.write_text("SCRUTIN;NOM\n011-C;X\n", encoding="utf-8")
    outcome = importing.import_candidatures(path, "011")
    assert not outcome.accepted and "Colonnes manquantes" in outcome.report.issues[0].message


def test_import_page_shows_the_report(coe_011: Client) -> None:
    bad = csv_bytes([row("011-C", "CCIT", "", "X", birth="hier")])
    page = coe_011.post("/gestion/candidatures/cci/011/import/",
                        {"file": SimpleUploadedFile("c.csv", bad)}).content.decode()  # fmt: skip
    assert "rien n'a été importé" in page and "DATE DE NAISSANCE" in page and "hier" in page
    page = coe_011.post("/gestion/candidatures/cci/011/import/",
                        {"file": SimpleUploadedFile("c.csv", csv_bytes(GOOD))}).content.decode()  # fmt: skip
    assert "Le fichier a été importé : 5 candidats" in page
    assert Candidate.objects.count() == 5


def test_cli_import_and_seal(structure: None, tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    result = runner.invoke(app, ["candidates", "import", str(write(tmp_path, GOOD)), "--check"])
    assert result.exit_code == 0, result.output
    assert Candidate.objects.count() == 0
    result = runner.invoke(app, ["candidates", "import", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0 and "ACCEPTÉ" in result.output and Candidate.objects.count() == 5
    result = runner.invoke(app, ["candidates", "seal", "--urn", "011-C"])
    assert result.exit_code == 0, result.output
    seal = CandidaturesSeal.objects.get()
    assert seal.fingerprint in result.output
    result = runner.invoke(
        app, ["candidates", "import", str(write(tmp_path, [row("011-C", "CCIT", "", "Z")]))]
    )
    assert result.exit_code == 1 and "scellées" in result.output
    result = runner.invoke(app, ["candidates", "seal", "--urn", "011-C"])
    assert result.exit_code == 1


def test_delegation_ignored_with_a_warning_when_the_cci_has_none(
    structure: None, tmp_path: Path
) -> None:
    from scrutin.platform.electoral.models import Elector

    Elector.objects.filter(cci_code="011").update(delegation_code="")  # annex 7.1.3 col. 2
    rows = [row("011-C", "CCIT", "", "Seul", delegation="Bugey")]
    outcome = importing.import_candidatures(write(tmp_path, rows), "011")
    assert outcome.accepted and Candidate.objects.get().delegation == ""
    assert [(i.column, i.blocking) for i in outcome.report.issues] == [("DELEGATION", False)]
    Elector.objects.filter(cci_code="011").update(delegation_code="D01")
    rows = [row("011-C", "CCIT", "", "Autre", delegation="Bugey")]
    outcome = importing.import_candidatures(write(tmp_path, rows), "011")
    assert outcome.accepted and Candidate.objects.get(last_name="Autre").delegation == "Bugey"


def test_cli_unseal_records_the_decision_and_json_report(structure: None, tmp_path: Path) -> None:
    import json

    from django.contrib.auth.models import User

    from scrutin.platform.candidates.models import UnsealRecord

    _register()
    runner = CliRunner()
    bad = write(tmp_path, [row("011-C", "CCIT", "", "X", birth="hier")])
    result = runner.invoke(app, ["candidates", "import", str(bad), "--report", "json"])
    payload = json.loads(result.output)
    assert result.exit_code == 1 and payload["accepted"] is False
    assert (
        payload["errors"][0]["column"] == "DATE DE NAISSANCE" and payload["errors"][0]["line"] == 2
    )
    add_candidate(question("011-C", "CCIT"), last_name="Seul")
    services.seal(urn("011-C"))
    User.objects.create_user("president", password="x-Y-z-123456789")
    args = ["candidates", "unseal", "--urn", "011-C", "--user", "president",
            "--reference", "Jugement TJ Bourg 2026-118", "--reason", "Candidat omis"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    record = UnsealRecord.objects.get()
    assert record.unsealed_by.username == "president" and record.reason == "Candidat omis"
    assert not services.is_sealed(urn("011-C"))
    assert runner.invoke(app, args).exit_code == 1  # nothing left to unseal
    args[args.index("president")] = "inconnu"
    assert runner.invoke(app, args).exit_code == 2
