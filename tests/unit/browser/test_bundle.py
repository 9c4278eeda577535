"""The browser ballot-encryption bundle (docs/browser-module.md).

1. Node's test runner passes on ``js/test/`` (shared vectors, invalid inputs, round trips).
2. Rebuilding from the lockfile gives exactly the committed bundle (reproducible build).
3. A ballot encrypted by the committed bundle with fresh randomness is accepted by the Python
   ballot check and decrypts to the voter's choices.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from scrutin.crypto import elgamal
from scrutin.crypto.ballot import InvalidBallot, ballot_tracker, check_ballot_json
from scrutin.crypto.group import GROUP_NAMES
from scrutin.crypto.params import parse_parameters
from tests.unit.browser.helpers import BUNDLE, ROOT, election


def node() -> str:
    path = shutil.which("node")
    assert path, "Node.js is required (see package.json); run `make install`"
    assert (ROOT / "node_modules/@noble/curves").is_dir(), "run `npm ci` (make install)"
    return path


def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=600, check=False
    )


def test_node_test_suite_passes() -> None:
    result = run([node(), "--test", "js/test/"])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
    assert "# pass 0\n" not in result.stdout


def test_rebuild_gives_the_committed_bytes(tmp_path: Path) -> None:
    result = run([node(), "js/build.mjs", "--out", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    rebuilt = (tmp_path / "scrutin-ballot.js").read_bytes()
    committed = BUNDLE.read_bytes()
    assert rebuilt == committed, (
        "the committed bundle is not the build of js/src with the locked packages: "
        "run `npm run build` and commit the result"
    )
    lock = json.loads((ROOT / "package-lock.json").read_text())
    curves = lock["packages"]["node_modules/@noble/curves"]["version"]
    assert committed.startswith(b"/*! scrutin-ballot ")
    assert f"@noble/curves {curves}".encode() in committed.split(b"\n", 1)[0]


@pytest.mark.parametrize("group_name", GROUP_NAMES)
@pytest.mark.parametrize(
    "picks",
    [
        pytest.param(([0, 5, 11], [29]), id="votes"),
        pytest.param(([0, 1, 2, 3, 4, 5], []), id="full-then-blank"),
        pytest.param(([], list(range(15))), id="blank-then-full"),
    ],
)
def test_bundle_ballot_is_accepted_by_python(
    group_name: str, picks: tuple[list[int], list[int]]
) -> None:
    doc, secret = election(group_name)
    choices = [
        [doc["questions"][qi]["candidates"][i]["id"] for i in picked]
        for qi, picked in enumerate(picks)
    ]
    result = run(
        [node(), "js/tools/bundle-cli.mjs", "encrypt", str(BUNDLE)],
        json.dumps({"election": doc, "choices": choices}),
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    ballot = out["ballot"]

    params = parse_parameters(doc)
    parsed = check_ballot_json(params, ballot)  # raises InvalidBallot if anything is wrong
    assert out["tracker"] == ballot_tracker(ballot)

    group = params.group
    for qi, answer in enumerate(parsed.answers):
        k = params.questions[qi].size
        expected = [1 if i in picks[qi] else 0 for i in range(k)] + [0 if picks[qi] else 1]
        got = []
        for ct in [*answer.choices, answer.blank]:
            point = elgamal.decrypt_to_point(group, secret, ct)
            got.append(next(m for m in (0, 1) if group.equal(point, group.small_multiple(m))))
        assert got == expected


def test_python_refuses_a_tampered_bundle_ballot() -> None:
    doc, _ = election("ristretto255")
    result = run(
        [node(), "js/tools/bundle-cli.mjs", "encrypt", str(BUNDLE)],
        json.dumps({"election": doc, "choices": [["ccir-1"], []]}),
    )
    assert result.returncode == 0, result.stderr
    ballot = json.loads(result.stdout)["ballot"]
    answer = ballot["answers"][1]
    answer["choices"][0], answer["blank"] = answer["blank"], answer["choices"][0]
    with pytest.raises(InvalidBallot, match=r"ballot\.answers\[1\]\.choice_proofs\[0\]"):
        check_ballot_json(parse_parameters(doc), ballot)
