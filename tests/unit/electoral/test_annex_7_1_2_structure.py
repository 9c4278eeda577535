"""The structure file of CCTP annex 7.1.2: one row per scrutin, columns A to V."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.structure import COLUMNS, read_structure

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("S", "Services", "S1", "moins de 10 salariés", 1, 4),
                               ("S", "Services", "S2", "10 salariés et plus", 1, 4)])  # fmt: skip
REUNION = ("974", "CCI de La Réunion", [("C", "Commerce", "", "", 0, 8)])


def write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "structure.csv"
    generate.write_csv(path, COLUMNS, rows)
    return path


def rows(**overrides: str) -> list[list[str]]:
    out = generate.structure_rows([AIN, REUNION])
    for name, value in overrides.items():
        out[0][COLUMNS.index(name)] = value
    return out


def test_annex_7_1_2_urns_and_ballots(tmp_path: Path) -> None:
    urns, report = read_structure(write(tmp_path, rows()))
    assert report.accepted and report.rows == 4
    assert [u.code for u in urns] == ["011-C", "011-S-S1", "011-S-S2", "974-C"]
    ain = urns[0]
    assert [(b.kind, b.seats) for b in ain.ballots()] == [("CCIR", 2), ("CCIT", 6)]
    assert ain.site_title == "Élections des membres de la CCI de l'Ain 2026"
    assert (
        ain.ballots()[0].title == "CCI de région Auvergne-Rhône-Alpes et CCI de l'Ain"
    )  # the region named (issue 12)


def test_annex_7_1_2_zero_ccir_seats_means_no_ccir_ballot(tmp_path: Path) -> None:
    urns, _ = read_structure(write(tmp_path, rows()))
    assert [(b.kind, b.seats) for b in urns[3].ballots()] == [("CCIT", 8)]


def test_annex_7_1_2_an_urn_needs_at_least_one_seat(tmp_path: Path) -> None:
    urns, report = read_structure(
        write(tmp_path, rows(**{"NB SIEGES CCIR": "0", "NB SIEGES CCIT": "0"}))
    )
    assert urns == [] and [i.column for i in report.issues] == ["NB SIEGES CCIT"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("CODE CCI", "11"),
        ("CODE CCI", "A11"),
        ("LIBELLE CCI", ""),
        ("CODE CATEGORIE", "CC"),
        ("NB SIEGES CCIR", "deux"),
        ("NB SIEGES CCIT", "100"),
        ("TITRE SITE DE VOTE", "T" * 101),
        ("BULLETIN DE VOTE LIBELLE TYPE CATEGORIE", "Sous-catégorie XX"),
        ("URL SITE CCI PF", ""),
        ("R731-8", "peut-être"),
        ("EMAIL CCI", "pas-une-adresse"),
        ("BULLETIN DE VOTE TITRE BULLETIN 1", ""),
    ],
)
def test_annex_7_1_2_each_column_rule_is_blocking(tmp_path: Path, column: str, value: str) -> None:
    urns, report = read_structure(write(tmp_path, rows(**{column: value})))
    assert urns == [] and not report.accepted
    assert (report.issues[0].line, report.issues[0].column) == (2, column)


def test_annex_7_1_2_duplicate_scrutin_and_inconsistent_labels(tmp_path: Path) -> None:
    data = rows()
    data.append(list(data[1]))
    data[2][COLUMNS.index("LIBELLE CCI")] = "Autre libellé"
    urns, report = read_structure(write(tmp_path, data))
    assert urns == []
    assert [(i.line, i.column) for i in report.issues] == [
        (4, "LIBELLE CCI"),
        (6, "CODE SOUS CATEGORIE"),
    ]


def test_annex_7_1_2_a_category_with_subcategories_has_them_on_every_row(tmp_path: Path) -> None:
    data = rows()
    data.append(
        generate.structure_rows([("011", "CCI de l'Ain", [("S", "Services", "", "", 1, 4)])])[0]
    )
    urns, report = read_structure(write(tmp_path, data))
    assert urns == [] and report.issues[0].line == 6
