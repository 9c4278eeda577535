"""The signed archive handed back to a CCI at the end of the election (CCTP 4.2.3): electors list
in the annex 7 format, émargement lists, results and minutes, journal extract."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scrutin.cli import main as cli
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral.annex7.electors import COLUMNS, read_electors
from scrutin.platform.electoral.imports import structure_index
from scrutin.platform.personaldata import restitution
from scrutin.platform.personaldata.check import RestitutionError, check

from ..tally.conftest import Vote
from ..tally.test_tally import tallied

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def _run(*args: str) -> Any:
    cli._register() if not cli.app.registered_groups else None
    return CliRunner().invoke(cli.app, ["data", *args])


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
        }


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _rewrite(path: Path, changes: dict[str, bytes]) -> Path:
    """A copy of the archive with some members replaced (what a tamperer would do)."""
    out = path.with_name("falsifiee.tar.gz")
    with tarfile.open(path, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = changes.get(member.name, src.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def test_cctp_4_2_3_return_archive_holds_the_cci_data_and_verifies(
    closed_vote: Vote, tmp_path: Path
) -> None:
    tallied(closed_vote)
    result = _run("return", "--cci", "011", "--out", str(tmp_path / "remise"))
    assert result.exit_code == 0, result.output
    assert "20 électeur(s), 1 urne(s), 12 émargement(s)" in result.output
    path = tmp_path / "remise" / "restitution-011.tar.gz"
    files = _members(path)
    top = "restitution-011/"
    assert set(files) == {top + n for n in (
        "electeurs.csv", "emargement/emargement-011-C.csv", "journal.jsonl", "restitution.json",
        "resultats/011-C/resultats.json", "resultats/011-C/proces-verbal-ccir.pdf",
        "resultats/011-C/proces-verbal-ccit.pdf",
    )}  # fmt: skip
    assert not list((tmp_path / "remise").glob(".restitution-*"))  # spool folder removed

    electors = _csv_rows(files[top + "electeurs.csv"])
    assert tuple(electors[0]) == COLUMNS and len(electors) == 21
    assert [r[0] + r[4] for r in electors[1:]] == [f"011{n:010d}" for n in range(1, 21)]
    emargements = _csv_rows(files[top + "emargement/emargement-011-C.csv"])
    assert len(emargements) == 13 and emargements[1][0] == "0110000000001"
    results = json.loads(files[top + "resultats/011-C/resultats.json"])
    assert results["voters"] == 12
    assert files[top + "resultats/011-C/proces-verbal-ccir.pdf"].startswith(b"%PDF")
    journal = [json.loads(line) for line in files[top + "journal.jsonl"].splitlines()]
    assert journal and all(e["cci"] == "011" or e["urn"] == "011-C" for e in journal)
    assert {"tally:urn:decrypt-complete", "electors:file:import-complete"} <= {
        e["event"] for e in journal
    }

    document = check(path)
    assert document["cci"] == "011" and document["counts"]["electors"] == 20
    assert document["counts"]["urns"] == {"011-C": {"emargements": 12, "tallied": True}}
    assert document["counts"]["journal_entries"] == len(journal)
    assert (
        document["files"]["electeurs.csv"]
        == hashlib.sha256(files[top + "electeurs.csv"]).hexdigest()
    )
    checked = _run("check-return", str(path), "--public-key", document["platform_key"])
    assert checked.exit_code == 0 and "Archive conforme" in checked.output
    entry = JournalEntry.objects.get(event="data:cci:return")
    assert entry.cci_code == "011" and entry.data["electors"] == 20
    assert entry.data["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_cctp_4_2_3_returned_electors_file_reads_back_as_an_annex_7_file(
    closed_vote: Vote, tmp_path: Path
) -> None:
    path = restitution.build("011", tmp_path).path
    electors = tmp_path / "electeurs.csv"
    electors.write_bytes(_members(path)["restitution-011/electeurs.csv"])
    rows: list[list[str | None]] = []
    report, _ = read_electors(electors, structure_index(), rows.append)
    assert report.accepted and report.rows == 20 and len(rows) == 20


def test_cctp_4_2_3_same_data_gives_the_same_archive_bytes(
    closed_vote: Vote, tmp_path: Path
) -> None:
    tallied(closed_vote)
    head = restitution.journal_head()
    first = restitution.build("011", tmp_path / "a", up_to=head)
    second = restitution.build("011", tmp_path / "b", up_to=head)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert JournalEntry.objects.filter(event="data:cci:return").count() == 2


def test_cctp_4_2_3_a_changed_member_or_manifest_is_detected(
    closed_vote: Vote, tmp_path: Path
) -> None:
    path = restitution.build("011", tmp_path).path
    files = _members(path)
    name = "restitution-011/electeurs.csv"
    forged = _rewrite(path, {name: files[name].replace(b"011;", b"012;", 1)})
    with pytest.raises(RestitutionError, match=r"electeurs\.csv a été modifié"):
        check(forged)
    manifest = json.loads(files["restitution-011/restitution.json"])
    manifest["counts"]["electors"] = 19
    forged = _rewrite(path, {"restitution-011/restitution.json": json.dumps(manifest).encode()})
    with pytest.raises(RestitutionError, match="signature"):
        check(forged)
    result = _run("check-return", str(forged))
    assert result.exit_code == 1 and "NON conforme" in result.output
    with pytest.raises(RestitutionError, match="clé de plate-forme attendue"):
        check(path, expected_key="00" * 32)


def test_cctp_4_2_3_an_unknown_cci_is_refused(closed_vote: Vote, tmp_path: Path) -> None:
    result = _run("return", "--cci", "999", "--out", str(tmp_path / "remise"))
    assert result.exit_code == 2 and "CCI '999' inconnue" in result.output
    assert not (tmp_path / "remise").exists()
    assert not JournalEntry.objects.filter(event="data:cci:return").exists()
