"""The key holders' browser bundle (``scrutin-trustee.js``; docs/key-ceremony.md).

1. Rebuilding from the lockfile gives exactly the committed bundle, and the ballot bundle is
   untouched by the second entry (reproducible build).
2. The Node tests of the trustee module pass (vectors of interoperability with PyNaCl and
   scrutin.crypto, refusals).
3. Driven from Python: a ceremony run by the committed bundle is finalised by
   ``scrutin.crypto.dkg.finalize``; its keystores, written with the browser's Argon2id limits,
   open with ``scrutin.crypto.keystore.open_sealed``; its partial decryptions are accepted by
   ``scrutin.crypto.decryption.combine`` and give the counts cast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scrutin.crypto import dkg
from scrutin.crypto.ballot import encrypt_ballot
from scrutin.crypto.decryption import aggregate, combine, tally_from_json, tally_to_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.group import GROUP_NAMES
from scrutin.crypto.keystore import open_sealed
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
from scrutin.record.simulate import make_questions, run_ceremony
from tests.unit.browser.helpers import BUNDLE, ROOT
from tests.unit.browser.test_bundle import node, run

TRUSTEE_BUNDLE = ROOT / "src/scrutin/platform/ceremony/static/ceremony/scrutin-trustee.js"
PASS = "correct horse battery staple"

# Runs the committed bundle in Node's own realm (as a page's classic script would define it).
DRIVER = """
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
vm.runInThisContext(readFileSync(process.argv[1], 'utf8'), { filename: 'scrutin-trustee.js' });
const T = globalThis.ScrutinTrustee;
const d = JSON.parse(readFileSync(0, 'utf8'));
const out = {};
if (d.op === 'ceremony') {
  const c = T.parseCeremony(d.ceremony);
  const ids = [c.president, ...c.assessors];
  const s = {}; out.round1 = [];
  for (const t of ids) { const r = T.round1(c, t); s[t] = r.secret; out.round1.push(r.message); }
  const r2 = c.assessors.map((a) => T.round2(c, s[a], out.round1));
  out.round3 = []; out.keystores = {};
  for (const t of ids) {
    const r = T.round3(c, s[t], out.round1, r2);
    out.round3.push(r.confirmation);
    out.keystores[t] = await T.sealKeystore(r.final, d.passphrase, 'decryption-key');
  }
} else {
  out.partials = d.secrets.map((s) => T.partialDecryption(d.election, d.tally, d.trustees, s));
}
process.stdout.write(JSON.stringify(out));
"""


def drive(payload: dict[str, Any]) -> dict[str, Any]:
    result = run(
        [node(), "--input-type=module", "-e", DRIVER, str(TRUSTEE_BUNDLE)], json.dumps(payload)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_trustee_bundle_rebuild_gives_the_committed_bytes(tmp_path: Path) -> None:
    result = run([node(), "js/build.mjs", "--trustee", "--out", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "scrutin-trustee.js").read_bytes() == TRUSTEE_BUNDLE.read_bytes(), (
        "the committed trustee bundle is not the build of js/src with the locked packages: "
        "run `npm run build` and commit the result"
    )
    lock = json.loads((ROOT / "package-lock.json").read_text())
    ciphers = lock["packages"]["node_modules/@noble/ciphers"]["version"]
    first = TRUSTEE_BUNDLE.read_bytes().split(b"\n", 1)[0]
    assert (
        first.startswith(b"/*! scrutin-trustee ") and f"@noble/ciphers {ciphers}".encode() in first
    )
    # The second entry leaves the ballot bundle as it was (no @noble/ciphers in it).
    assert b"ciphers" not in BUNDLE.read_bytes().split(b"\n", 1)[0]


def test_trustee_node_tests_pass() -> None:
    tests = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "js/test").glob("trustee*.test.mjs"))
    assert len(tests) >= 4
    result = run([node(), "--test", *tests])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0\n" not in result.stdout


def test_cctp_4_1_4_8_bundle_ceremony_is_finalised_and_its_keystores_open_in_python() -> None:
    doc = {"format": "scrutin-ceremony/v1", "ceremony_id": "coe-011-1", "group": "ristretto255",
           "president": "president", "assessors": ["assesseur-1", "assesseur-2"], "threshold": 1}  # fmt: skip
    out = drive({"op": "ceremony", "ceremony": doc, "passphrase": PASS})
    c = dkg.parse_ceremony(doc)
    trustees = dkg.finalize(c, out["round1"], out["round3"])
    keys = dkg.trustee_keys(trustees)
    g = c.group
    for t, keystore in out["keystores"].items():
        assert (keystore["opslimit"], keystore["memlimit"]) == (3, 64 * 1024 * 1024)
        secret = open_sealed(keystore, PASS)
        assert secret["trustee"] == t and secret["ceremony"] == fingerprint(doc)
        assert g.equal(g.base_mul(int(secret["share"], 16)), keys.keys[t])


@pytest.mark.parametrize("group_name", GROUP_NAMES)
def test_bundle_partial_decryptions_are_combined_by_python(group_name: str) -> None:
    ceremony = dkg.Ceremony("coe-011-1", group_name, dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
    trustees, shares = run_ceremony(ceremony)
    params = ElectionParameters(ElectionId("cci-011-C"), "Élection", group_name,
                                trustees["public_key"], Fingerprint(fingerprint(trustees)),
                                "00" * 32, make_questions((("ccir", 3, 2), ("ccit", 5, 3))))  # fmt: skip
    votes = [
        [[1, 1, 0], [0, 0, 1, 1, 1]],
        [[0, 0, 0], [1, 0, 0, 0, 0]],
        [[0, 1, 0], [0, 0, 0, 0, 0]],
    ]
    tally = aggregate(params, [encrypt_ballot(params, v) for v in votes])
    tally_doc = tally_to_json(params, tally, len(votes), "00" * 32)
    secrets = [{"ceremony": fingerprint(ceremony.to_json()), "trustee": t,
                "role": ceremony.role(t), "share": format(shares[t], "064x")}
               for t in ("president", "assesseur-2")]  # fmt: skip
    out = drive({"op": "partial", "election": params.to_json(), "tally": tally_doc,
                 "trustees": trustees, "secrets": secrets})  # fmt: skip
    counts = combine(params, dkg.trustee_keys(trustees), tally_from_json(params, tally_doc),
                     out["partials"], len(votes), fingerprint(tally_doc))  # fmt: skip
    assert counts.choices == [[1, 2, 0], [1, 0, 1, 1, 1]]
    assert counts.blank == [1, 1]
    assert counts.decrypted_by == ["president", "assesseur-2"]
