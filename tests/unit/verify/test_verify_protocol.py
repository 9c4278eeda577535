"""Issue 12, "Protocol document": every rule docs/protocol.md states is enforced by
``scrutin verify`` (duplicate keys everywhere, ids, lowercase hex, decrypted_by, alpha
collisions, line limit, count bounds, Ed25519 rule, hidden entries, closing seal in the record)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import InvalidParameters, parse_parameters
from scrutin.crypto.signing import sign_document
from scrutin.record.simulate import simulate
from scrutin.record.writer import write_json, write_manifest
from scrutin.verify import ballots as verify_ballots
from scrutin.verify.documents import MAX_BALLOT_LINE, Malformed
from scrutin.verify.election import read_election
from scrutin.verify.record import count_bounds_problem, verify_record

KEY = nacl.signing.SigningKey(bytes(range(32)))
SMALL = (("ccir", 3, 2), ("ccit", 4, 1))
# order of the Ed25519 group
L = 2**252 + 27742317777372353535851937790883648493


@pytest.fixture(scope="module")
def keyed_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A record signed with a known key, where 3 assessors decrypted (threshold 2)."""
    out = tmp_path_factory.mktemp("keyed") / "rec"
    simulate(out, 6, questions=SMALL, assessors=3, threshold=2, seed=5, signing_key=KEY,
             decrypting=3)  # fmt: skip
    return out


@pytest.fixture
def rec(keyed_record: Path, tmp_path: Path) -> Path:
    import shutil

    copy_ = tmp_path / "rec"
    shutil.copytree(keyed_record, copy_)
    return copy_


def failed(record: Path) -> dict[str, str]:
    return {c.name: c.detail for c in verify_record(record, workers=1).failures()}


def read(record: Path, name: str) -> Any:
    return json.loads((record / name).read_text(encoding="utf-8"))


def resign(record: Path) -> None:
    """The manifest rewritten and signed with the platform key: only the change is wrong."""
    write_manifest(record, read(record, "manifest.json")["election"], KEY)


def test_protocol_unused_partial_allowed_and_record_verifies(rec: Path) -> None:
    partials = read(rec, "decryptions.json")["partials"]
    assert len(partials) == 4  # president + 3 assessors, one of them unused
    by = read(rec, "result.json")["decrypted_by"]
    assert by == ["president", "assessor-1", "assessor-2"]
    report = verify_record(rec, workers=1)
    assert report.valid, report.render()


# --- closing seal in the record (scope) -------------------------------------------------------


def _reseal(rec: Path, change: Any) -> None:
    closing = read(rec, "closing.json")
    change(closing)
    closing.pop("signature")
    closing["signature"] = sign_document(KEY, closing)
    write_json(rec / "closing.json", closing)
    resign(rec)


def test_protocol_closing_seal_checked_by_verify(rec: Path) -> None:
    report = verify_record(rec, workers=1)
    assert [c for c in report.checks if c.name == "Scellement de clôture" and c.ok]


def test_protocol_ballot_dropped_before_tally_is_seen_against_the_closing_seal(rec: Path) -> None:
    # the platform sealed 7 ballots and 7 émargements at closing, but the tallied file has 6
    def dropped(c: dict[str, Any]) -> None:
        c["ballots"]["count"] += 1
        c["emargements"]["count"] += 1

    _reseal(rec, dropped)
    assert "7 bulletin(s) scellé(s), 6 dans ballots.jsonl" in failed(rec)["Scellement de clôture"]


def test_protocol_closing_seal_needs_as_many_emargements_as_ballots(rec: Path) -> None:
    _reseal(rec, lambda c: c["emargements"].__setitem__("count", 5))
    assert "R713-24" in failed(rec)["Scellement de clôture"]


def test_protocol_closing_seal_of_other_file_or_election_is_refused(rec: Path) -> None:
    _reseal(rec, lambda c: c["ballots"].__setitem__("sha256", "ab" * 32))
    assert "sha256" in failed(rec)["Scellement de clôture"]
    _reseal(rec, lambda c: c.__setitem__("election", "cd" * 32))
    assert "autre élection" in failed(rec)["Scellement de clôture"]


def test_protocol_closing_seal_signed_by_another_key_is_refused(rec: Path) -> None:
    closing = read(rec, "closing.json")
    other = nacl.signing.SigningKey(bytes(32))
    closing["platform_key"] = bytes(other.verify_key).hex()
    closing.pop("signature")
    closing["signature"] = sign_document(other, closing)
    write_json(rec / "closing.json", closing)
    resign(rec)
    assert "platform_key" in failed(rec)["Scellement de clôture"]


def test_protocol_missing_closing_seal_is_refused(rec: Path) -> None:
    (rec / "closing.json").unlink()
    problems = failed(rec)
    assert "Scellement de clôture" in problems
    assert "closing.json absent" in problems["Empreintes des documents"]


# --- JSON and encodings -----------------------------------------------------------------------


def test_protocol_duplicate_keys_refused_in_every_document(rec: Path) -> None:
    text = (rec / "trustees.json").read_text(encoding="utf-8")
    (rec / "trustees.json").write_text(text.replace("{", '{"format": "x", ', 1), encoding="utf-8")
    resign(rec)
    assert "clé JSON dupliquée" in failed(rec)["Cérémonie des clés (gardiens)"]


def test_protocol_uppercase_hex_refused(rec: Path) -> None:
    manifest = read(rec, "manifest.json")
    manifest["documents"]["tally.json"] = manifest["documents"]["tally.json"].upper()
    write_json(rec / "manifest.json", manifest)
    assert "hexadécimaux minuscules" in failed(rec)["Manifeste du registre"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["questions"][1].__setitem__("id", d["questions"][0]["id"]), "en double"),
        (lambda d: d["questions"][0].__setitem__("id", ""), "non vide"),
        (lambda d: d["questions"][0]["candidates"][1].__setitem__("name", ""), "non vide"),
        (lambda d: d["questions"][0]["candidates"][1].__setitem__("id", ""), "non vide"),
        (lambda d: d["questions"][1].__setitem__("title", ""), "non vide"),
    ],
)
def test_protocol_question_ids_distinct_and_names_not_empty(
    rec: Path, change: Any, expected: str
) -> None:
    doc = read(rec, "election.json")
    change(doc)
    with pytest.raises(Malformed, match=expected):
        read_election(doc)
    with pytest.raises(InvalidParameters):  # the platform refuses it too (open_election)
        parse_parameters(doc)


def test_protocol_ballot_line_limit_does_not_count_the_newline(tmp_path: Path) -> None:
    from scrutin.verify.ballots import _read_lines

    path = tmp_path / "ballots.jsonl"
    problems: list[tuple[int, str]] = []
    path.write_bytes(b" " * MAX_BALLOT_LINE + b"\n")
    import hashlib

    assert [n for n, _ in _read_lines(path, problems, hashlib.sha256())] == [1]
    assert problems == []
    path.write_bytes(b" " * (MAX_BALLOT_LINE + 1) + b"\n")
    assert list(_read_lines(path, problems, hashlib.sha256())) == []
    assert "trop longue" in problems[0][1]


def test_protocol_alpha_suffix_collision_is_not_a_duplicate(
    rec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with 1-byte suffixes, 6 ballots × 9 alphas collide surely; only exact repeats count
    monkeypatch.setattr(verify_ballots, "ALPHA_SUFFIX", 1)
    report = verify_record(rec, workers=1)
    assert report.valid, report.render()
    path = rec / "ballots.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:2], lines[1], *lines[2:]]))
    assert "Bulletins en double" in failed(rec)


# --- decrypted_by and count bounds ------------------------------------------------------------


@pytest.mark.parametrize(
    "by",
    [
        ["president", "assessor-2", "assessor-1"],  # not in index order
        ["president", "assessor-1", "assessor-3"],  # not the first t by index
        ["president", "assessor-1", "assessor-2", "assessor-3"],  # more than t
    ],
)
def test_protocol_decrypted_by_is_president_then_first_t_assessors(
    rec: Path, by: list[str]
) -> None:
    result = read(rec, "result.json")
    result["decrypted_by"] = by
    write_json(rec / "result.json", result)
    resign(rec)
    assert "decrypted_by" in failed(rec)["Résultat"]


def test_protocol_count_bounds_lower_and_upper() -> None:
    assert count_bounds_problem([2, 1, 0], 1, 2, 4) is None
    assert "moins de voix" in str(count_bounds_problem([1, 1, 0], 1, 2, 4))  # 3 not blank, 2 votes
    assert "plus de voix" in str(count_bounds_problem([3, 3, 1], 1, 2, 4))
    assert "blancs" in str(count_bounds_problem([0, 0, 0], 5, 2, 4))


# --- Ed25519 rule -----------------------------------------------------------------------------


def test_protocol_ed25519_non_canonical_s_is_refused(rec: Path) -> None:
    manifest = read(rec, "manifest.json")
    sig = bytes.fromhex(manifest["signature"])
    s = int.from_bytes(sig[32:], "little") + L  # same signature for a verifier reducing S mod ℓ
    assert s < 2**256
    manifest["signature"] = (sig[:32] + s.to_bytes(32, "little")).hex()
    write_json(rec / "manifest.json", manifest)
    assert "Signature du manifeste" in failed(rec)


def test_protocol_ed25519_small_order_key_is_refused(rec: Path) -> None:
    # public key = identity, R = identity, S = 0: the cofactorless equation [S]B = R + [k]A holds
    # for every message, so only the small-order rule refuses it
    identity = "01" + "00" * 31
    election = read(rec, "election.json")
    election["platform_key"] = identity
    write_json(rec / "election.json", election)
    manifest = read(rec, "manifest.json")
    manifest["election"] = fingerprint(election)
    manifest["signature"] = identity + "00" * 32
    write_json(rec / "manifest.json", manifest)
    assert "signature Ed25519 invalide" in failed(rec)["Signature du manifeste"]


# --- the record directory ---------------------------------------------------------------------


def test_protocol_hidden_files_and_directories_are_refused(rec: Path) -> None:
    (rec / ".cache").write_text("x", encoding="utf-8")
    (rec / ".git").mkdir()
    (rec / "extra").mkdir()
    problems = failed(rec)["Empreintes des documents"]
    assert "fichier inattendu .cache" in problems
    assert "répertoire inattendu .git" in problems
    assert "répertoire inattendu extra" in problems
