// Cross-check with the Python side: ballots made here with fresh randomness are accepted by
// scrutin.crypto.ballot.check_ballot_json (the server's acceptance check), and a tampered one is
// refused. Skipped only when the project's virtualenv does not exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadBundle, plain, PYTHON, ROOT, vectorFiles } from './helpers.mjs';

const CHECK = `
import json, sys
from scrutin.crypto.ballot import InvalidBallot, ballot_tracker, check_ballot_json
from scrutin.crypto.params import parse_parameters
doc = json.load(sys.stdin)
params = parse_parameters(doc["election"])
out = []
for ballot in doc["ballots"]:
    try:
        check_ballot_json(params, ballot)
        out.append({"ok": True, "tracker": ballot_tracker(ballot)})
    except InvalidBallot as exc:
        out.append({"ok": False, "error": str(exc)})
print(json.dumps(out))
`;

function pythonCheck(election, ballots) {
  const r = spawnSync(PYTHON, ['-c', CHECK], {
    cwd: ROOT,
    input: JSON.stringify({ election, ballots }),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('Python verifier accepts ballots from the bundle', { skip: !existsSync(PYTHON) && 'no .venv' }, () => {
  const bundle = loadBundle();
  for (const [file, v] of vectorFiles('ballot')) {
    it(file, () => {
      const [q0, q1] = v.election.questions;
      const ballots = [
        [[q0.candidates[0].id, q0.candidates[2].id], [q1.candidates[3].id]],
        [[], [q1.candidates[0].id]],
        [[], []],
      ].map((choices) => plain(bundle.encryptBallot(plain(v.election), choices)));
      const tampered = plain(ballots[0]);
      tampered.answers[0].choices.reverse();
      const results = pythonCheck(v.election, [...ballots, tampered]);
      ballots.forEach((b, i) => {
        assert.deepEqual(results[i], { ok: true, tracker: bundle.ballotTracker(b) });
      });
      assert.equal(results[3].ok, false);
      assert.match(results[3].error, /^ballot\.answers\[0\]\.choice_proofs\[0\]/);
    });
  }
});

describe('canonical JSON agrees with Python rfc8785', { skip: !existsSync(PYTHON) && 'no .venv' }, () => {
  it('on strings and keys that stress RFC 8785', () => {
    const doc = {
      title: 'Élection – « CCI » \u0000\u0007\b\t\n\f\r\u001f "quoted" \\ / \u007f \u2028\u2029 😀 \ud7ff',
      '\ue000': 1,
      '😀': 2,
      a: [true, false, null, 0, 9007199254740991, { z: '', y: [] }],
      A: 'upper sorts first',
      é: 'é',
      '': 'empty key',
    };
    const r = spawnSync(
      PYTHON,
      ['-c', 'import json,sys,rfc8785; sys.stdout.write(rfc8785.dumps(json.load(sys.stdin)).hex())'],
      { cwd: ROOT, input: JSON.stringify(doc), encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const bundle = loadBundle();
    assert.equal(Buffer.from(bundle.canonicalJson(plain(doc))).toString('hex'), r.stdout);
  });
});
