"""``scrutin material letters`` (CCTP 5.2.2, 5.2.2.1, 5.2.2.2): from the sealed export and the
signed kit to PDF batches and their manifest, on the dispatch operator's side."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.material.production import COLUMNS, file_sha256
from scrutin.platform.credentials import export

from .helpers import PLATFORM_KEY, kit_doc, write_kit

PUBLIC = bytes(PLATFORM_KEY.verify_key).hex()
FOOTER = re.compile(r"lot (\d{4}) · (\d+) / (\d+) · (\d{13})")


def row(n: int, **values: str) -> list[str]:
    cells = {
        "identifiant": f"750{n:010d}", "code": f"ABCDE-FGHJK-{n:05d}",
        "date_de_naissance_demandee": "oui", "civilite": "M.", "nom": f"NOM{n}", "prenom": "Jean",
        "raison_sociale": f"SOCIETE {n}", "destinataire": f"SOCIETE {n}", "voie": f"{n} RUE HAUTE",
        "code_postal": "75011", "localite": "PARIS", "categorie": "1",
        "libelle_categorie": "Commerce", "nom_de_famille": f"NOM{n}",
    }  # fmt: skip
    cells.update(values)
    return [cells.get(name, "") for name in COLUMNS]


@pytest.fixture
def operator(tmp_path: Path) -> dict[str, Any]:
    private, public = export.generate_keypair()
    key = tmp_path / "operateur.cle"
    key.write_text(base64.b64encode(private).decode() + "\n")
    return {"private": private, "public": public, "key": key,
            "fingerprint": export.key_fingerprint(public)}  # fmt: skip


def sealed(path: Path, rows: list[list[str]], public: bytes) -> Path:
    with path.open("wb") as fh:
        writer = export.ExportWriter(fh, public)
        for r in rows:
            writer.write_row(r)
        writer.close()
    return path


def run(tmp_path: Path, operator: dict[str, Any], rows: list[list[str]], *,
        out: str = "lots", **kit: Any) -> tuple[Any, Path]:  # fmt: skip
    kit.setdefault("recipient_fingerprint", operator["fingerprint"])
    kit_path = write_kit(tmp_path / "kit-750.json", kit_doc(**kit))
    export_path = sealed(tmp_path / "export.scrutin-identifiants", rows, operator["public"])
    _register()
    result = CliRunner().invoke(app, [
        "material", "letters", "--kit", str(kit_path), "--export", str(export_path),
        "--key", str(operator["key"]), "--out", str(tmp_path / out), "--public-key", PUBLIC,
    ])  # fmt: skip
    return result, tmp_path / out


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    return [page for page in text.split("\f") if page.strip()]


def order(out: Path) -> list[str]:
    found = []
    for pdf in sorted(out.glob("lettres-750-*.pdf")):
        for page in pages(pdf):
            match = FOOTER.search(page)
            assert match, page
            found.append(match.group(4))
    return found


def test_cctp_5_2_2_1_reroute_sorted_by_category_subcategory_postcode_then_surname(
    tmp_path: Path, operator: dict[str, Any]
) -> None:
    rows = [
        row(1, categorie="2", code_postal="01000", nom_de_famille="ABEL"),
        row(2, categorie="1", sous_categorie="02", code_postal="01000", nom_de_famille="ZOLA"),
        row(3, categorie="1", code_postal="75011", nom_de_famille="BERNARD"),
        row(4, categorie="1", code_postal="13001", nom_de_famille="MARTIN"),
        row(5, categorie="1", code_postal="13001", nom_de_famille="ÉMILE", nom="DURAND"),
        row(6, categorie="1", sous_categorie="01", code_postal="99999", nom_de_famille="ADAM"),
    ]
    result, out = run(tmp_path, operator, rows)
    assert result.exit_code == 0, result.output
    # category 1 without sub-category, then 1/01, 1/02, then 2; inside: postal code, then the
    # family name (nom patronymique: ÉMILE sorts as EMILE, before MARTIN, whatever the usage name)
    assert order(out) == [f"750{n:010d}" for n in (5, 4, 3, 6, 2, 1)]


def test_cctp_5_2_2_2_direct_sorted_by_postcode_then_city_and_name(
    tmp_path: Path, operator: dict[str, Any]
) -> None:
    rows = [
        row(1, categorie="1", code_postal="75011", nom_de_famille="ABEL"),
        row(2, categorie="2", code_postal="01000", localite="BOURG EN BRESSE", nom_de_famille="ZOLA"),
        row(3, categorie="1", code_postal="01000", localite="BOURG EN BRESSE", nom_de_famille="ADAM"),
        row(4, categorie="1", code_postal="13001", nom_de_famille="MARTIN"),
    ]  # fmt: skip
    result, out = run(tmp_path, operator, rows, mode="direct", reroute_address=None)
    assert result.exit_code == 0, result.output
    assert order(out) == [f"750{n:010d}" for n in (3, 2, 4, 1)]


def test_cctp_5_2_2_batches_manifest_hashes_and_counts_per_urn(
    tmp_path: Path, operator: dict[str, Any]
) -> None:
    rows = [row(n, categorie="1" if n % 3 else "2", sous_categorie="01" if n % 3 == 1 else "",
                libelle_sous_categorie="Grands commerces" if n % 3 == 1 else "")
            for n in range(1, 121)]  # fmt: skip
    electronic = [f"750{n:010d}" for n in (7, 8, 9)]
    result, out = run(tmp_path, operator, rows, electronic=electronic)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "manifeste.json").read_text("utf-8"))
    assert doc["total"] == 117 and doc["electronic_skipped"] == 3
    assert [b["letters"] for b in doc["batches"]] == [50, 50, 17]
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "lettres-750-0001.pdf",
        "lettres-750-0002.pdf",
        "lettres-750-0003.pdf",
    ]
    for batch in doc["batches"]:
        assert file_sha256(out / batch["file"]) == batch["sha256"]
        assert len(pages(out / batch["file"])) == batch["letters"]
    urns = {u["urn"]: u["letters"] for u in doc["urns"]}
    assert urns == {"1": 39, "1/01": 39, "2": 39}
    assert {u["urn"]: u["label"] for u in doc["urns"]}["1/01"] == "Commerce – Grands commerces"
    assert doc["export_sha256"] == file_sha256(tmp_path / "export.scrutin-identifiants")
    assert doc["kit_fingerprint"] and doc["dispatch"] == {"mode": "reroute", "batch_size": 50}
    csv_text = (out / "manifeste.csv").read_text("utf-8-sig")
    assert doc["batches"][0]["sha256"] in csv_text and "total;;117" in csv_text
    printed = order(out)
    assert len(printed) == 117 and not set(printed) & set(electronic)  # no letter if by e-mail
    assert "117 courriers en 3 lots" in result.output
    assert not list(out.glob(".travail-*")) and not list(out.rglob("*.bin"))  # no temporary left


def test_cctp_4_1_4_1_letters_text_from_the_export(
    tmp_path: Path, operator: dict[str, Any]
) -> None:
    rows = [row(1, code="QRSTU-VWXYZ-23456", date_de_naissance_demandee="non",
                destinataire="=SOCIETE DUPONT", complement1="SERVICE ACHATS",
                voie="3 PLACE DE LA GARE", code_postal="69002", localite="Lyon")]  # fmt: skip
    result, out = run(tmp_path, operator, rows)
    assert result.exit_code == 0, result.output
    (page,) = pages(out / "lettres-750-0001.pdf")
    assert "7500000000001" in page and "QRSTU-VWXYZ-23456" in page
    assert "Du jeudi 19 novembre 2026 à 9 h" in page
    assert "ne vous demandera pas votre date de naissance" in page
    # the address block: the export's formula guard (leading apostrophe) is undone
    lines = [ln.strip() for ln in page.splitlines()]
    block = lines[lines.index("=SOCIETE DUPONT") :][:4]
    assert block == ["=SOCIETE DUPONT", "SERVICE ACHATS", "3 PLACE DE LA GARE", "69002 LYON"]


def test_export_sealed_for_another_operator_is_refused(
    tmp_path: Path, operator: dict[str, Any]
) -> None:
    result, out = run(tmp_path, operator, [row(1)], recipient_fingerprint="b" * 64)
    assert result.exit_code == 1
    assert (
        "chiffré pour une autre clé que celle de l'opérateur désigné dans le kit" in result.output
    )
    assert not list(out.glob("*.pdf"))


def test_cctp_5_2_2_no_letters_without_the_national_bat(
    tmp_path: Path, operator: dict[str, Any]
) -> None:
    result, out = run(tmp_path, operator, [row(1)], national=None)
    assert result.exit_code == 1
    assert "Kit refusé" in result.output and "BAT général de CCI France" in result.output
    assert not out.exists() or not list(out.glob("*.pdf"))


def test_export_of_another_cci_is_refused(tmp_path: Path, operator: dict[str, Any]) -> None:
    result, _ = run(tmp_path, operator, [row(1, identifiant="0110000000001")])
    assert result.exit_code == 1 and "n'est pas de la CCI 750" in result.output


def test_a_second_run_into_the_same_folder_overwrites_nothing(
    tmp_path: Path, operator: dict[str, Any]
) -> None:
    first, out = run(tmp_path, operator, [row(1)])
    assert first.exit_code == 0, first.output
    before = file_sha256(out / "lettres-750-0001.pdf")
    (tmp_path / "export.scrutin-identifiants").unlink()
    second, _ = run(tmp_path, operator, [row(2)])
    assert second.exit_code == 1 and "rien n'a été écrasé" in second.output
    assert file_sha256(out / "lettres-750-0001.pdf") == before
