"""The independent verifier (CCTP 4.2.2.2): accepts a valid record, names every problem."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.record.writer import write_manifest
from scrutin.verify.record import verify_record

VERIFY_SRC = Path(__file__).parents[3] / "src" / "scrutin" / "verify"
ALLOWED = {"scrutin.crypto.group", "scrutin.crypto.encoding"}


def test_verifier_imports_only_the_shared_layer() -> None:
    modules = sorted(VERIFY_SRC.glob("*.py"))
    assert modules
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                names = [node.module or ""]
                if node.module == "scrutin" or node.module == "scrutin.crypto":
                    names = [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name == "scrutin" or name.startswith("scrutin."):
                    ok = name in ALLOWED or name.startswith("scrutin.verify")
                    assert ok, f"{path.name} imports {name}"


def failed(record: Path) -> dict[str, str]:
    report = verify_record(record, workers=1)
    return {c.name: c.detail for c in report.failures()}


def test_cctp_4_2_2_2_valid_record_verifies(record: Path) -> None:
    report = verify_record(record, workers=1)
    assert report.valid, report.render()


def test_verify_in_parallel(record: Path) -> None:
    assert verify_record(record, workers=2).valid


def _rewrite_ballot(record: Path, index: int, mutate) -> None:  # type: ignore[no-untyped-def]
    path = record / "ballots.jsonl"
    lines = path.read_bytes().splitlines()
    doc = json.loads(lines[index])
    mutate(doc)
    import rfc8785

    lines[index] = rfc8785.dumps(doc)
    path.write_bytes(b"\n".join(lines) + b"\n")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["answers"][0]["choices"][0].__setitem__("alpha", "00" * 32),
            "élément de groupe invalide",
        ),
        (
            lambda d: d["answers"][0]["choices"][0].__setitem__("beta", "ff" * 32),
            "élément de groupe invalide",
        ),
        (
            lambda d: d["answers"][0]["blank_proof"]["responses"].__setitem__(0, "f" * 64),
            "scalaire invalide",
        ),
        (lambda d: d["answers"][0].pop("overall_proof"), "champ(s) manquant(s)"),
        (
            lambda d: d["answers"][1]["overall_proof"]["challenges"].__setitem__(0, 3),
            "scalaire invalide",
        ),
        (lambda d: d.__setitem__("received_at", "2026-11-23T10:00:00Z"), "champ(s) inconnu(s)"),
        (lambda d: d["answers"][0]["choices"].reverse(), "preuve"),
    ],
)
def test_malformed_ballots_are_named(record: Path, mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    _rewrite_ballot(record, 2, mutate)
    problems = failed(record)
    assert "Bulletins" in problems
    assert "ligne 3" in problems["Bulletins"]
    assert expected in problems["Bulletins"]
    assert "Empreintes des documents" in problems  # the manifest no longer matches either


def test_removed_ballot_is_detected_even_with_a_fresh_manifest(record: Path) -> None:
    path = record / "ballots.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))
    problems = failed(record)
    assert "Agrégation homomorphe" in problems
    assert "Empreintes des documents" in problems


def test_reordered_ballots_are_detected(record: Path) -> None:
    path = record / "ballots.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]
    path.write_bytes(b"".join(lines))
    assert "hors de l'ordre" in failed(record)["Bulletins"]


def test_duplicated_ballot_is_detected(record: Path) -> None:
    path = record / "ballots.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:2], lines[1], *lines[2:]]))
    problems = failed(record)
    assert "en double" in problems["Bulletins"]
    assert "Bulletins en double" in problems


def test_changed_count_is_detected(record: Path) -> None:
    path = record / "result.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["answers"][1]["counts"][0] += 1
    path.write_text(json.dumps(doc), encoding="utf-8")
    problems = failed(record)
    assert "result.answers[1].counts[0]" in problems["Résultat"]


def test_result_without_president_is_refused(record: Path) -> None:
    path = record / "result.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["decrypted_by"] = doc["decrypted_by"][1:]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert "président" in failed(record)["Résultat"]


@pytest.mark.parametrize(
    "content",
    [
        b"{" * 100_000,
        b'{"format": 1e999}',
        b'{"a": 1, "a": 2}',
        b"\xff\xfe not utf-8",
        b'{"x": ' + b"9" * 10_000 + b"}",
        b"[]",
    ],
)
def test_malformed_documents_never_crash(record: Path, content: bytes) -> None:
    (record / "election.json").write_bytes(content)
    problems = failed(record)
    assert "Paramètres de l'élection" in problems


def test_huge_file_is_refused_without_reading_it(record: Path) -> None:
    with (record / "tally.json").open("wb") as f:
        f.truncate(5 * 1024 * 1024)
    assert "trop volumineux" in failed(record)["Agrégation homomorphe"]


def test_added_file_is_named(record: Path) -> None:
    (record / "extra.json").write_text("{}", encoding="utf-8")
    assert "extra.json" in failed(record)["Empreintes des documents"]


def test_resigned_manifest_with_other_key_is_refused(record: Path) -> None:
    from scrutin.crypto.signing import generate_signing_key

    election = json.loads((record / "election.json").read_text(encoding="utf-8"))
    write_manifest(
        record,
        election["questions"]
        and __import__("scrutin.crypto.encoding", fromlist=["x"]).fingerprint(election),
        generate_signing_key(),
    )
    assert "Signature du manifeste" in failed(record)


def test_cli_exit_codes(record: Path, tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(record), "--workers", "1"])
    assert ok.exit_code == 0, ok.output
    assert "VERDICT" in ok.output
    (record / "result.json").write_text("{}", encoding="utf-8")
    bad = runner.invoke(app, ["verify", str(record), "--workers", "1"])
    assert bad.exit_code == 1
    assert "ÉCHEC" in bad.output
    missing = runner.invoke(app, ["verify", str(tmp_path / "nope"), "--workers", "1"])
    assert missing.exit_code == 1


def test_review_12_quorum_of_the_key_holders_is_stated_plainly(record: Path) -> None:
    """Issue 12: « président + 2 assesseur(s) sur 3 requis » was ambiguous (2 required of 3?)."""
    text = verify_record(record, workers=1).render()
    assert "assesseur(s) sur" not in text
    assert (
        "le dépouillement demande le président (ou son support de secours) et au moins 2 des 3 assesseurs"
        in text
    )
