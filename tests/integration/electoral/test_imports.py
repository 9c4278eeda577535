"""Importing annex-7 files into the database (issue 2; CCTP 4.1.2): all or nothing, diffs,
sealing, control figures. Runs on SQLite and, in CI, on PostgreSQL through COPY."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.utils import timezone

from scrutin.platform.electoral import fingerprints, imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.electors import COLUMNS
from scrutin.platform.electoral.models import Elector, ImportRun, Question, Urn

pytestmark = pytest.mark.django_db(transaction=True)

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5),
                               ("S", "Services", "S1", "moins de 10 salariés", 1, 4),
                               ("S", "Services", "S2", "10 salariés et plus", 1, 4)])  # fmt: skip
REUNION = (
    "974",
    "CCI de La Réunion",
    [("C", "Commerce", "", "", 0, 8), ("S", "Services", "", "", 0, 10)],
)
AIN_URNS = [("C", ""), ("I", ""), ("S", "S1"), ("S", "S2")]


def run_structure(tmp_path: Path, ccis: list, name: str = "structure.csv") -> ImportRun:  # type: ignore[type-arg]
    path = tmp_path / name
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows(ccis))
    return imports.import_structure(
        ImportRun.objects.create(kind="structure", filename=name, path=str(path))
    )


def run_electors(tmp_path: Path, rows: list[list[str]], name: str = "electeurs.csv") -> ImportRun:
    path = tmp_path / name
    generate.write_csv(path, generate.ELECTORS_HEADER, rows)
    return imports.import_electors(
        ImportRun.objects.create(kind="electors", filename=name, path=str(path))
    )


def ain_rows(count: int, start: int = 1) -> list[list[str]]:
    return list(generate.elector_rows("011", AIN_URNS, count, start=start))


def test_annex_7_1_2_structure_creates_ccis_urns_and_ballots(tmp_path: Path) -> None:
    run = run_structure(tmp_path, [AIN, REUNION])
    assert run.status == ImportRun.Status.ACCEPTED
    assert list(Urn.objects.values_list("code", flat=True)) == [
        "011-C",
        "011-I",
        "011-S-S1",
        "011-S-S2",
        "974-C",
        "974-S",
    ]
    assert list(Question.objects.filter(urn__code="011-C").values_list("kind", "seats")) == [
        ("CCIR", 2),
        ("CCIT", 6),
    ]
    assert list(Question.objects.filter(urn__code="974-C").values_list("kind", "seats")) == [
        ("CCIT", 8)
    ]
    assert run.summary["diff"]["created"] == [u.code for u in Urn.objects.order_by("source_line")]


def test_structure_reimport_shows_what_changed(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN, REUNION])
    changed = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 3, 6), *AIN[2][1:]])
    run = run_structure(tmp_path, [changed], name="v2.csv")
    assert run.status == ImportRun.Status.ACCEPTED
    assert run.summary["diff"] == {"created": [], "updated": {"011-C": ["seats_ccir"]},
                                   "removed": ["974-C", "974-S"], "unchanged": 3}  # fmt: skip
    assert Question.objects.get(urn__code="011-C", kind="CCIR").seats == 3
    assert not Urn.objects.filter(cci_id="974").exists()


def test_structure_reimport_refused_after_sealing(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    Urn.objects.filter(code="011-C").update(sealed_at=timezone.now())
    with pytest.raises(imports.ImportRefused, match="scellées"):
        run_structure(tmp_path, [AIN, REUNION], name="v2.csv")
    assert not Urn.objects.filter(cci_id="974").exists()


def test_structure_cannot_drop_an_urn_that_has_electors(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN, REUNION])
    rows = list(generate.elector_rows("974", [("C", "")], 3))
    assert run_electors(tmp_path, rows).status == ImportRun.Status.ACCEPTED
    run = run_structure(tmp_path, [AIN], name="v2.csv")
    assert run.status == ImportRun.Status.REJECTED
    assert Urn.objects.filter(cci_id="974").count() == 2


def test_annex_7_1_3_electors_import_with_control_figures(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN, REUNION])
    run = run_electors(tmp_path, ain_rows(200))
    assert run.status == ImportRun.Status.ACCEPTED and run.rows == 200 and run.cci_id == "011"
    assert Elector.objects.count() == 200
    elector = Elector.objects.get(number="0110000000004")
    assert elector.urn.code == "011-C" and elector.source_line == 5
    for urn in Urn.objects.filter(cci_id="011"):
        count, fingerprint = fingerprints.urn_fingerprint(urn)
        assert run.summary["urns"][urn.code] == {"count": count, "fingerprint": fingerprint}
        assert count == 50


def test_stored_fingerprints_are_those_of_the_rows_read_back(tmp_path: Path) -> None:
    """The import stores the tallies hashed while copying (issue 15): they must equal a re-read
    of every stored row, with values COPY has to escape, truncations, warnings, a re-import."""
    run_structure(tmp_path, [AIN])
    run_electors(tmp_path, ain_rows(30, start=500), name="v1.csv")
    rows = ain_rows(2500)  # more than one batch of the reader
    odd = [(7, "NOM D'USAGE", "A\\B\tC"), (300, "RAISON SOCIALE", "LIGNE 1\nLIGNE 2\r"),
           (600, "PRENOM", "X" * 40), (900, "TELEPHONE", "01 47 20 00 00"),
           (1200, "ADRACH PAYS", "BELGIQUE"), (1200, "ADRACH CODE POSTAL", "B-1000"),
           (2100, "CODE SOUS CATEGORIE", "S1")]  # fmt: skip
    for index, column, value in odd:
        rows[index][COLUMNS.index(column)] = value
    run = run_electors(tmp_path, rows, name="v2.csv")
    assert run.status == ImportRun.Status.ACCEPTED and run.warnings == 2
    stored = fingerprints.stored(Urn.objects.filter(cci_id="011"))
    assert sum(count for count, _ in stored.values()) == Elector.objects.count() == 2500
    for urn in Urn.objects.filter(cci_id="011"):
        assert stored[urn.id] == fingerprints.urn_fingerprint(urn)
        count, sha256 = stored[urn.id]
        assert run.summary["urns"][urn.code] == {"count": count, "fingerprint": sha256}
    elector = Elector.objects.get(number=f"011{8:010d}")
    assert (elector.usage_name, elector.source_line) == ("A\\B\tC", 9)


def test_blocking_error_anywhere_keeps_the_previous_list_untouched(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    run_electors(tmp_path, ain_rows(20))
    before = list(Elector.objects.values_list("number", "usage_name"))
    rows = ain_rows(30, start=100)
    rows[29][COLUMNS.index("NUMERO SIREN")] = "12"
    rows[3][COLUMNS.index("NOM D'USAGE")] = "N" * 50
    run = run_electors(tmp_path, rows, name="v2.csv")
    assert run.status == ImportRun.Status.REJECTED and run.blocking == 1 and run.warnings == 1
    assert list(Elector.objects.values_list("number", "usage_name")) == before
    assert [(i.line, i.column, i.blocking) for i in run.issues.all()] == [
        (5, "NOM D'USAGE", False), (31, "NUMERO SIREN", True)]  # fmt: skip


def test_reimport_replaces_the_cci_list_and_only_it(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN, REUNION])
    run_electors(tmp_path, ain_rows(20))
    run_electors(tmp_path, list(generate.elector_rows("974", [("C", "")], 5)), name="974.csv")
    run = run_electors(tmp_path, ain_rows(7, start=500), name="v2.csv")
    assert run.status == ImportRun.Status.ACCEPTED and run.summary["removed_previous"] == 20
    assert Elector.objects.filter(cci_code="011").count() == 7
    assert Elector.objects.filter(cci_code="974").count() == 5


def test_cctp_4_1_2_electors_import_refused_after_sealing(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    run_electors(tmp_path, ain_rows(4))
    Urn.objects.filter(cci_id="011").update(sealed_at=timezone.now())
    with pytest.raises(imports.ImportRefused, match="scellées"):
        run_electors(tmp_path, ain_rows(9), name="v2.csv")
    assert Elector.objects.count() == 4


def test_windows_1252_file_with_crlf_imports(tmp_path: Path) -> None:
    run_structure(tmp_path, [AIN])
    path = tmp_path / "ansi.csv"
    with path.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(ain_rows(3))
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="ansi.csv", path=str(path))
    )
    assert run.status == ImportRun.Status.ACCEPTED and Elector.objects.count() == 3


def test_structure_cannot_drop_a_ballot_that_holds_candidatures(tmp_path: Path) -> None:
    from datetime import date

    from scrutin.platform.candidates.models import Candidate

    run_structure(tmp_path, [AIN])
    ccir = Question.objects.get(urn__code="011-C", kind="CCIR")
    Candidate.objects.create(question=ccir, registration=1, civility="M.", last_name="Martin",
                             first_name="Paul", birth_date=date(1970, 1, 1))  # fmt: skip
    without_ccir = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 0, 6), *AIN[2][1:]])
    run = run_structure(tmp_path, [without_ccir], name="v2.csv")
    assert run.status == ImportRun.Status.REJECTED
    assert "a déjà 1 candidature" in run.issues.get().message
    assert Question.objects.filter(urn__code="011-C", kind="CCIR").exists()
