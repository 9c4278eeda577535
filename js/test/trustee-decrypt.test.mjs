// Partial decryption in the browser module (docs/protocol.md §10): the documents it makes are
// exactly what `scrutin trustee decrypt` makes — scrutin.crypto.decryption.combine accepts them
// and finds the counts that were cast; with the spare support too. It refuses a tally of another
// election (fingerprint F recomputed from election.json), a foreign trustees.json, a key that is
// not the trustee's. Before that, like the command, the holder recomputes the sum of the
// published ballots and refuses any other tally (last part of this file).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { GROUP_NAMES } from '../src/groups.mjs';
import { fingerprint } from '../src/jcs.mjs';
import { parseElection } from '../src/params.mjs';
import { partialDecryption } from '../src/trustee-decrypt.mjs';
import { checkClosingSeal, checkTallySum } from '../src/trustee-sum.mjs';
import { loadTrusteeBundle, NO_PYTHON, plain, python, TRUSTEE_BUNDLE } from './trustee-helpers.mjs';

const PY_SETUP = `
import json, sys
from scrutin.crypto import dkg
from scrutin.crypto.ballot import encrypt_ballot
from scrutin.crypto.decryption import aggregate, tally_to_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
from scrutin.record.simulate import make_questions
d = json.load(sys.stdin)
c = dkg.Ceremony("coe-011-1", d["group"], dkg.TrusteeId("president"),
                 tuple(dkg.TrusteeId(f"assesseur-{i}") for i in (1, 2, 3)), 2)
secrets, r1 = {}, []
for t in (c.president, *c.assessors):
    secrets[t], m = dkg.round1(c, t)
    r1.append(m)
r2 = [dkg.round2(c, secrets[a], r1) for a in c.assessors]
finals, r3 = {}, []
for t, s in secrets.items():
    finals[t], m = dkg.round3(c, s, r1, r2)
    r3.append(m)
trustees = dkg.finalize(c, r1, r3)
params = ElectionParameters(ElectionId("cci-011-C"), "Élection CCI de l'Ain – Commerce", d["group"],
                            trustees["public_key"], Fingerprint(fingerprint(trustees)), "ab" * 32,
                            make_questions((("ccir", 3, 2), ("ccit", 4, 3))))
votes = d["votes"]
tally = aggregate(params, [encrypt_ballot(params, v) for v in votes])
print(json.dumps({"election": params.to_json(), "trustees": trustees, "finals": finals,
                  "tally": tally_to_json(params, tally, len(votes), "00" * 32)}))
`;

const PY_COMBINE = `
import json, sys
from scrutin.crypto import dkg
from scrutin.crypto.decryption import DecryptionError, check_partial, combine, tally_from_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import parse_parameters
d = json.load(sys.stdin)
params = parse_parameters(d["election"])
keys = dkg.trustee_keys(d["trustees"])
tally = tally_from_json(params, d["tally"])
try:
    counts = combine(params, keys, tally, d["partials"], d["tally"]["ballot_count"], fingerprint(d["tally"]))
    print(json.dumps({"ok": True, "choices": counts.choices, "blank": counts.blank,
                      "decrypted_by": counts.decrypted_by}))
except DecryptionError as exc:
    print(json.dumps({"ok": False, "error": str(exc)}))
`;

// Ten ballots (CCIR 3 candidates / 2 seats, CCIT 4 / 3); an all-zero selection is a blank vote.
const VOTES = [
  [[1, 0, 1], [1, 1, 1, 0]], [[0, 1, 0], [0, 0, 0, 0]], [[0, 0, 0], [1, 0, 0, 0]],
  [[1, 1, 0], [0, 1, 0, 1]], [[1, 0, 0], [0, 0, 1, 0]], [[0, 0, 0], [0, 0, 0, 0]],
  [[0, 0, 1], [1, 1, 0, 0]], [[1, 0, 0], [0, 0, 0, 1]], [[0, 1, 1], [1, 0, 1, 1]], [[1, 0, 0], [1, 0, 0, 0]],
]; // prettier-ignore
const EXPECTED = {
  choices: [[5, 3, 3], [5, 3, 3, 3]],
  blank: [2, 2],
};

describe('partial decryptions from the browser module are combined by Python', { skip: NO_PYTHON }, () => {
  for (const group of GROUP_NAMES) {
    it(`${group}: president + assesseur-1 + assesseur-3 (t = 2) give the cast counts`, () => {
      const s = python(PY_SETUP, { group, votes: VOTES });
      const partials = ['president', 'assesseur-1', 'assesseur-3'].map((t) =>
        partialDecryption(s.election, s.tally, s.trustees, s.finals[t]),
      );
      const out = python(PY_COMBINE, { ...s, partials });
      assert.equal(out.ok, true, out.error);
      assert.deepEqual({ choices: out.choices, blank: out.blank }, EXPECTED);
      assert.deepEqual(out.decrypted_by, ['president', 'assesseur-1', 'assesseur-3']);
    });
  }

  it('the committed bundle, with the spare support of the president', () => {
    const bundle = loadTrusteeBundle();
    const s = python(PY_SETUP, { group: 'ristretto255', votes: VOTES });
    const spare = { ...s.finals.president, spare: true };
    const partials = [spare, s.finals['assesseur-2'], s.finals['assesseur-3']].map((f) =>
      plain(bundle.partialDecryption(s.election, s.tally, s.trustees, f)),
    );
    assert.equal(partials[0].trustee, 'president');
    assert.deepEqual(Object.keys(partials[0]).sort(), ['answers', 'election', 'format', 'role', 'tally', 'trustee']);
    const out = python(PY_COMBINE, { ...s, partials });
    assert.equal(out.ok, true, out.error);
    assert.deepEqual({ choices: out.choices, blank: out.blank }, EXPECTED);
  });

  it('an empty urn (identity ciphertexts) decrypts to zero', () => {
    const s = python(PY_SETUP, { group: 'ristretto255', votes: [] });
    const partials = ['president', 'assesseur-1', 'assesseur-2'].map((t) =>
      partialDecryption(s.election, s.tally, s.trustees, s.finals[t]),
    );
    const out = python(PY_COMBINE, { ...s, partials });
    assert.equal(out.ok, true, out.error);
    assert.deepEqual(out.choices, [[0, 0, 0], [0, 0, 0, 0]]);
  });

  it('Python refuses a partial decryption whose proof was tampered with', () => {
    const s = python(PY_SETUP, { group: 'P-256', votes: VOTES.slice(0, 3) });
    const partials = ['president', 'assesseur-1', 'assesseur-2'].map((t) =>
      partialDecryption(s.election, s.tally, s.trustees, s.finals[t]),
    );
    const item = partials[1].answers[1][2];
    item.share = partials[1].answers[1][3].share;
    const out = python(PY_COMBINE, { ...s, partials });
    assert.equal(out.ok, false);
    assert.match(out.error, /proof rejected at \[1\]\[2\]/);
  });

  it('refuses a tally of another election, a foreign trustees.json, a key that is not the trustee’s', () => {
    const s = python(PY_SETUP, { group: 'ristretto255', votes: VOTES.slice(0, 2) });
    const other = { ...s.tally, election: 'c'.repeat(64) };
    assert.throws(() => partialDecryption(s.election, other, s.trustees, s.finals.president), /autre élection/);
    const renamed = { ...s.election, title: 'Autre titre' }; // F changes, the tally still cites the old F
    assert.throws(() => partialDecryption(renamed, s.tally, s.trustees, s.finals.president), /autre élection/);
    const foreign = { ...s.trustees, ceremony: { ...s.trustees.ceremony, ceremony_id: 'coe-974-1' } };
    assert.throws(() => partialDecryption(s.election, s.tally, foreign, s.finals.president), /trustees\.json ne correspond pas/);
    const swapped = { ...s.finals['assesseur-1'], trustee: 'assesseur-2' };
    assert.throws(() => partialDecryption(s.election, s.tally, s.trustees, swapped), /ne correspond pas à la clé publique/);
    const stranger = { ...s.finals['assesseur-1'], trustee: 'assesseur-9' };
    assert.throws(() => partialDecryption(s.election, s.tally, s.trustees, stranger), /aucun gardien/);
    const short = { ...s.tally, answers: s.tally.answers.slice(0, 1) };
    assert.throws(() => partialDecryption(s.election, short, s.trustees, s.finals.president), /une réponse par question/);
  });
});

// --- The key holder's own recomputation of the tally (js/src/trustee-sum*.mjs) -----------------
// A genuine record written by the server's own code (scrutin.record.writer.write_ballots,
// scrutin.record.tally.aggregate_file, a closing seal signed as scrutin.platform.sealing signs it)
// is accepted, in this thread and on worker threads running the committed bundle; a tally that is
// one ballot's ciphertexts, a changed ciphertext, a wrong count or a wrong file hash is refused.

const PY_RECORD = `
import hashlib, json, sys, tempfile
from pathlib import Path
from scrutin.crypto import dkg
from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.encoding import encode_scalar, fingerprint
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
from scrutin.crypto.signing import generate_signing_key, public_key_hex, sign_document
from scrutin.record.simulate import make_questions, run_ceremony
from scrutin.record.tally import aggregate_file, tally_document
from scrutin.record.writer import ballot_line, write_ballots
d = json.load(sys.stdin)
c = dkg.Ceremony("coe-011-1", d["group"], dkg.TrusteeId("president"), (dkg.TrusteeId("assesseur-1"),), 1)
trustees, shares = run_ceremony(c)
key = generate_signing_key()
params = ElectionParameters(ElectionId("cci-011-C"), "Élection CCI de l'Ain – Commerce", d["group"],
                            trustees["public_key"], Fingerprint(fingerprint(trustees)), public_key_hex(key),
                            make_questions((("ccir", 3, 2), ("ccit", 4, 3))))
path = Path(tempfile.mkdtemp(prefix="scrutin-sum-")) / "ballots.jsonl"
digest = write_ballots(path, [ballot_line(ballot_to_json(params.group, encrypt_ballot(params, v))) for v in d["votes"]])
tally = tally_document(params, aggregate_file(params, path, workers=1))
assert tally["ballots"] == digest
n = len(d["votes"])
closing = {"format": "scrutin-urn-closing/v1", "urn": "011-C", "election": params.fingerprint(),
           "urn_seal": "a" * 64, "platform_seal": "b" * 64, "closes_at": "2026-10-15T16:00:00.000000+00:00",
           "closed_at": "2026-10-15T16:00:00.000000+00:00", "trigger": "schedule", "reason": "",
           "ballots": {"count": n, "sha256": digest}, "emargements": {"count": n, "sha256": "c" * 64},
           "sealed_at": "2026-10-15T16:00:01.000000+00:00", "platform_key": public_key_hex(key)}
closing["signature"] = sign_document(key, closing)
secret = {"ceremony": fingerprint(c.to_json()), "trustee": "president", "role": "president",
          "share": encode_scalar(shares["president"])}
print(json.dumps({"election": params.to_json(), "trustees": trustees, "tally": tally, "closing": closing,
                  "ballots": str(path), "secret": secret}))
`;

const enc = new TextEncoder();
const linesOf = (bytes) => new TextDecoder().decode(bytes).split('\n').slice(0, -1);
const fileOf = (lines) => enc.encode(lines.map((l) => `${l}\n`).join(''));
const sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');
const byTracker = (lines) => [...lines].sort((a, b) => (sha256Hex(a) < sha256Hex(b) ? -1 : 1));

/** The bytes as chunks of `size` (cut anywhere, inside lines and UTF-8 sequences). */
function* cut(bytes, size) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

// A worker thread running the committed bundle as a page's Web Worker would (its handler),
// behind the Web Worker interface that checkTallySumParallel uses.
const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
const context = vm.createContext({ crypto: globalThis.crypto, TextEncoder, TextDecoder });
vm.runInContext(require('node:fs').readFileSync(workerData, 'utf8'), context);
const handle = context.ScrutinTrustee.sumWorkerHandler();
parentPort.on('message', (msg) => { const [reply, transfer] = handle(msg); parentPort.postMessage(reply, transfer || []); });
`;
class ThreadWorker {
  constructor() {
    this.thread = new Worker(WORKER_SRC, { eval: true, workerData: TRUSTEE_BUNDLE });
    this.thread.unref(); // a thread left behind by a failing test never keeps Node alive
    this.thread.on('message', (data) => this.onmessage({ data }));
    this.thread.on('error', (err) => this.onerror({ message: err.message }));
  }
  postMessage(message, transfer) {
    this.thread.postMessage(message, transfer);
  }
  terminate() {
    this.thread.terminate();
  }
}
const spawnThread = () => new ThreadWorker();

describe('the key holder recomputes the tally from ballots.jsonl before decrypting', { skip: NO_PYTHON }, () => {
  const records = {};
  const record = (group) => {
    if (!records[group]) {
      const r = python(PY_RECORD, { group, votes: VOTES });
      r.bytes = new Uint8Array(readFileSync(r.ballots));
      r.parsed = parseElection(r.election);
      records[group] = r;
    }
    return records[group];
  };
  const refusedWith = async (promise, pattern) => {
    await assert.rejects(promise, (err) => {
      assert.equal(err.name, 'ScrutinError');
      assert.match(err.message, /^Refus de déchiffrer : /);
      assert.match(err.message, pattern);
      return true;
    });
  };

  for (const group of GROUP_NAMES) {
    it(`${group}: the genuine record is accepted however the file is cut, then decrypted`, async () => {
      const r = record(group);
      assert.deepEqual(checkClosingSeal(r.parsed, r.tally, r.closing, '011-C').count, VOTES.length);
      for (const size of [7, 1000, r.bytes.length]) {
        const ok = await checkTallySum(r.parsed, r.tally, cut(r.bytes, size));
        assert.deepEqual(ok, { count: VOTES.length, sha256: r.tally.ballots });
      }
      const partial = partialDecryption(r.election, r.tally, r.trustees, r.secret);
      assert.equal(partial.tally, fingerprint(r.tally));
    });
  }

  it('an empty urn: an empty ballots.jsonl sums to the identity, in this thread and on workers', async () => {
    const r = python(PY_RECORD, { group: 'ristretto255', votes: [] });
    const empty = new Uint8Array(readFileSync(r.ballots));
    assert.equal(empty.length, 0);
    const parsed = parseElection(r.election);
    assert.deepEqual(await checkTallySum(parsed, r.tally, []), { count: 0, sha256: r.tally.ballots });
    const bundle = loadTrusteeBundle();
    const onWorkers = await bundle.checkTallySumParallel(bundle.parseElection(r.election), r.tally, [empty], {
      spawn: spawnThread,
      workers: 2,
    });
    assert.deepEqual(plain(onWorkers), { count: 0, sha256: r.tally.ballots, workers: 2 });
    await refusedWith(checkTallySum(parsed, r.tally, [enc.encode('\n')]), /ligne 1 : JSON illisible/);
  });

  it('on worker threads running the committed bundle: same acceptance, same refusals', async () => {
    const bundle = loadTrusteeBundle();
    const r = record('ristretto255');
    const parsed = bundle.parseElection(r.election);
    const seen = [];
    const ok = await bundle.checkTallySumParallel(parsed, r.tally, cut(r.bytes, 4096), {
      spawn: spawnThread,
      workers: 3,
      onProgress: (n, total) => seen.push([n, total]),
    });
    assert.deepEqual(plain(ok), { count: VOTES.length, sha256: r.tally.ballots, workers: 3 });
    assert.deepEqual(seen.at(-1), [VOTES.length, VOTES.length]);
    const single = firstBallotTally(r);
    await refusedWith(
      bundle.checkTallySumParallel(parsed, single, cut(r.bytes, 4096), { spawn: spawnThread, workers: 2 }),
      /n'est pas la somme des bulletins publiés \(question 1, candidat 1\)/,
    );
    const lines = linesOf(r.bytes);
    const bad = byTracker([...lines.slice(1), lines[0].replace(r.parsed.fingerprint, 'd'.repeat(64))]);
    const at = bad.findIndex((l) => l.includes('d'.repeat(64))) + 1;
    await refusedWith(
      bundle.checkTallySumParallel(parsed, r.tally, [fileOf(bad)], { spawn: spawnThread, workers: 2 }),
      new RegExp(`ballots\\.jsonl, ligne ${at} : bulletin\\.election : bulletin d'une autre élection`),
    );
    // No worker can start: the same check runs in this thread.
    const alone = await bundle.checkTallySumParallel(parsed, r.tally, [r.bytes], {
      spawn: () => {
        throw new Error('no Worker here');
      },
      workers: 2,
    });
    assert.equal(alone.workers, 0);
  });

  /** tally.json whose ciphertexts are those of the first ballot of the file, count and hash kept. */
  function firstBallotTally(r) {
    const first = JSON.parse(linesOf(r.bytes)[0]);
    return { ...r.tally, answers: first.answers.map((a) => ({ choices: a.choices, blank: a.blank })) };
  }

  it('refuses a tally that is the ciphertexts of a single ballot', async () => {
    const r = record('ristretto255');
    await refusedWith(checkTallySum(r.parsed, firstBallotTally(r), [r.bytes]), /n'est pas la somme des bulletins publiés/);
    // With a ballots.jsonl of that single ballot, consistent with the forged tally, only the
    // closing seal betrays it: the urn held ten ballots in a file of another SHA-256.
    const line = linesOf(r.bytes)[0];
    const one = fileOf([line]);
    const forged = { ...firstBallotTally(r), ballot_count: 1, ballots: sha256Hex(one) };
    assert.deepEqual(await checkTallySum(r.parsed, forged, [one]), { count: 1, sha256: forged.ballots });
    assert.throws(() => checkClosingSeal(r.parsed, forged, r.closing, '011-C'), /annonce 1 bulletin\(s\), l'urne en contenait 10/);
    const sameCount = { ...forged, ballot_count: VOTES.length };
    assert.throws(() => checkClosingSeal(r.parsed, sameCount, r.closing, '011-C'), /n'est pas celui scellé à la clôture/);
  });

  it('refuses a tally with one ciphertext changed, naming where', async () => {
    const r = record('P-256');
    const answers = plain(r.tally.answers);
    answers[1].choices[1] = answers[1].blank;
    await refusedWith(
      checkTallySum(r.parsed, { ...r.tally, answers }, [r.bytes]),
      /n'est pas la somme des bulletins publiés \(question 2, candidat 2\)/,
    );
    const swapped = plain(r.tally.answers);
    swapped[0].blank = { alpha: swapped[0].blank.alpha, beta: swapped[0].choices[0].beta };
    await refusedWith(checkTallySum(r.parsed, { ...r.tally, answers: swapped }, [r.bytes]), /question 1, vote blanc/);
  });

  it('refuses a wrong ballot count and a wrong file hash', async () => {
    const r = record('ristretto255');
    await refusedWith(
      checkTallySum(r.parsed, { ...r.tally, ballot_count: VOTES.length + 1 }, [r.bytes]),
      /ballots\.jsonl contient 10 bulletin\(s\), le dépouillement présenté en annonce 11/,
    );
    await refusedWith(
      checkTallySum(r.parsed, { ...r.tally, ballot_count: VOTES.length - 1 }, cut(r.bytes, 999)),
      /plus de bulletins que le dépouillement présenté n'en annonce \(9\)/,
    );
    await refusedWith(
      checkTallySum(r.parsed, { ...r.tally, ballots: 'e'.repeat(64) }, [r.bytes]),
      /l'empreinte SHA-256 de ballots\.jsonl \([0-9a-f]{16}…\) n'est pas celle du dépouillement présenté/,
    );
    assert.throws(() => checkClosingSeal(r.parsed, { ...r.tally, ballot_count: 11 }, r.closing, '011-C'), /annonce 11/);
    assert.throws(() => checkClosingSeal(r.parsed, { ...r.tally, ballots: 'e'.repeat(64) }, r.closing), /scellé à la clôture/);
  });

  it('refuses a closing seal not signed by the platform key of election.json, or of another urn', () => {
    const r = record('ristretto255');
    const tampered = { ...r.closing, ballots: { ...r.closing.ballots, count: 9 } };
    assert.throws(() => checkClosingSeal(r.parsed, r.tally, tampered), /signature Ed25519 de la plate-forme incorrecte/);
    const otherKey = { ...r.closing, platform_key: 'f'.repeat(64) };
    assert.throws(() => checkClosingSeal(r.parsed, r.tally, otherKey), /pas signé par la clé de la plate-forme/);
    assert.throws(() => checkClosingSeal(r.parsed, r.tally, r.closing, '974-C'), /porte sur l'urne 011-C/);
    const extra = { ...r.closing, note: 'x' };
    assert.throws(() => checkClosingSeal(r.parsed, r.tally, extra), /scrutin-urn-closing\/v1 attendu/);
  });

  it('refuses a faulty ballots.jsonl, naming the line', async () => {
    const r = record('ristretto255');
    const lines = linesOf(r.bytes);
    const g = r.parsed.group;
    const identity = '00'.repeat(g.elementSize);
    const check = (file) => checkTallySum(r.parsed, r.tally, [file]);
    const faulty = async (change, pattern) => {
      const changed = change(lines[3]);
      const file = byTracker([...lines.slice(0, 3), changed, ...lines.slice(4)]);
      const at = file.indexOf(changed) + 1;
      await refusedWith(check(fileOf(file)), new RegExp(`ballots\\.jsonl, ligne ${at} : .*${pattern}`));
    };
    const first = JSON.parse(lines[3]).answers[0].choices[0].alpha;
    await faulty((l) => l.replace(first, identity), "bulletin\\.answers\\[0\\]\\.choices\\[0\\]\\.alpha : l'élément neutre");
    await faulty((l) => l.replace(first, `${first.slice(0, -2)}ff`), 'bulletin\\.answers\\[0\\]\\.choices\\[0\\]\\.alpha : point invalide');
    await faulty((l) => l.replace(first, first.toUpperCase()), 'hexadécimaux minuscules attendus');
    await faulty((l) => l.replace('{"alpha"', '{"blank":1,"alpha"').replace('"answers":[{"blank":1,', '"answers":[{'), '');
    await faulty((l) => l.replace('"format":"scrutin-ballot/v1"', '"format":"scrutin-ballot/v2"'), 'bulletin\\.format');
    await faulty((l) => l.slice(0, -1), 'JSON illisible');
    const ballot = JSON.parse(lines[3]);
    ballot.answers[1].choices.pop();
    await faulty(() => JSON.stringify(ballot), 'bulletin\\.answers\\[1\\]\\.choices : 4 chiffré\\(s\\) attendu\\(s\\)');
    await refusedWith(check(fileOf([lines[1], lines[0], ...lines.slice(2)])), /ligne 2 : bulletins non rangés par empreinte/);
    await refusedWith(check(fileOf([lines[0], ...lines])), /ligne 2 : bulletins non rangés par empreinte/);
    await refusedWith(check(r.bytes.subarray(0, -1)), /ligne 10 : la dernière ligne ne se termine pas par un saut de ligne/);
  });
});
