"""`scrutin trustee …` end to end from files: ceremony, spare support, partial decryption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.decryption import aggregate, combine, tally_from_json, tally_to_json
from scrutin.crypto.dkg import trustee_keys
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
from scrutin.record.simulate import make_questions
from scrutin.record.writer import ballot_line, write_ballots, write_json

PW = "correct horse battery staple"
SPARE = "another long spare passphrase"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCRUTIN_KDF", "interactive")
    monkeypatch.setenv("SCRUTIN_PASSPHRASE", PW)
    monkeypatch.setenv("SCRUTIN_SPARE_PASSPHRASE", SPARE)
    monkeypatch.chdir(tmp_path)
    _register()
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["trustee", *args])
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_cctp_4_1_4_8_ceremony_spare_support_and_decryption(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    ids = ["P", "A1", "A2"]
    run(
        "ceremony",
        "--id",
        "coe",
        "--president",
        "P",
        "--assessor",
        "A1",
        "--assessor",
        "A2",
        "--threshold",
        "1",
        "--out",
        "c.json",
    )
    for t in ids:
        run(
            "round1",
            "--ceremony",
            "c.json",
            "--trustee",
            t,
            "--secret-out",
            f"{t}.r1",
            "--out",
            f"r1-{t}.json",
        )
    r1 = [x for t in ids for x in ("--round1", f"r1-{t}.json")]
    for t in ids[1:]:
        run("round2", "--ceremony", "c.json", "--secret", f"{t}.r1", *r1, "--out", f"r2-{t}.json")
    r2 = [x for t in ids[1:] for x in ("--round2", f"r2-{t}.json")]
    out = run(
        "round3",
        "--ceremony",
        "c.json",
        "--secret",
        "P.r1",
        *r1,
        *r2,
        "--out",
        "r3-P.json",
        "--secret-out",
        "P.key",
        code=2,
    )
    assert "secours" in out
    run(
        "round3",
        "--ceremony",
        "c.json",
        "--secret",
        "P.r1",
        *r1,
        *r2,
        "--out",
        "r3-P.json",
        "--secret-out",
        "P.key",
        "--spare-out",
        "P.spare",
    )
    for t in ids[1:]:
        run(
            "round3",
            "--ceremony",
            "c.json",
            "--secret",
            f"{t}.r1",
            *r1,
            *r2,
            "--out",
            f"r3-{t}.json",
            "--secret-out",
            f"{t}.key",
        )
    r3 = [x for t in ids for x in ("--round3", f"r3-{t}.json")]
    run("finalize", "--ceremony", "c.json", *r1, *r3, "--out", "trustees.json")
    trustees = json.loads(Path("trustees.json").read_text(encoding="utf-8"))
    for t in ids:
        assert "share" not in Path(f"{t}.key").read_text(encoding="utf-8")

    params = ElectionParameters(
        ElectionId("e"),
        "t",
        "ristretto255",
        trustees["public_key"],
        Fingerprint(fingerprint(trustees)),
        "00" * 32,
        make_questions((("a", 3, 2),)),
    )
    rec = tmp_path / "rec"
    rec.mkdir()
    write_json(rec / "election.json", params.to_json())
    write_json(rec / "trustees.json", trustees)
    ballots = [encrypt_ballot(params, [s]) for s in ([1, 0, 1], [0, 1, 0], [0, 0, 0])]
    digest = write_ballots(
        rec / "ballots.jsonl", [ballot_line(ballot_to_json(params.group, b)) for b in ballots]
    )
    tally = aggregate(params, ballots)
    write_json(rec / "tally.json", tally_to_json(params, tally, 3, digest))
    tally_doc = json.loads((rec / "tally.json").read_text(encoding="utf-8"))

    run("decrypt", "--record", "rec", "--secret", "A2.key", "--out", "pA2.json")
    monkeypatch.setenv("SCRUTIN_PASSPHRASE", SPARE)
    run("decrypt", "--record", "rec", "--secret", "P.spare", "--out", "pP.json")
    run(
        "decrypt", "--record", "rec", "--secret", "P.key", "--out", "bad.json", code=2
    )  # wrong passphrase
    partials = [json.loads(Path(f).read_text(encoding="utf-8")) for f in ("pP.json", "pA2.json")]
    # protocol.md §9: the spare's partial decryption is the president's (same id and role)
    assert partials[0]["trustee"] == trustees["president"]["id"]
    assert partials[0]["role"] == "president"
    counts = combine(
        params,
        trustee_keys(trustees),
        tally_from_json(params, tally_doc),
        partials,
        3,
        fingerprint(tally_doc),
    )
    assert counts.choices == [[1, 1, 1]]
    assert counts.blank == [1]

    # A tally that is not the sum of the ballots (e.g. one single ballot) is never decrypted.
    write_json(rec / "tally.json", tally_to_json(params, aggregate(params, ballots[:1]), 3, digest))
    monkeypatch.setenv("SCRUTIN_PASSPHRASE", PW)
    out = run("decrypt", "--record", "rec", "--secret", "A1.key", "--out", "pA1.json", code=2)
    assert "refus" in out
