// Public API: input validation, fresh-randomness round trips, randomness source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as api from '../src/index.mjs';
import { getGroup } from '../src/groups.mjs';
import { loadBundle, plain, vectorFiles } from './helpers.mjs';

const files = vectorFiles('ballot');

/** Decrypt every ciphertext of a ballot with the election secret key: x with β − x·α = x·B. */
function decrypt(v, ballot) {
  const group = getGroup(v.group);
  const x = group.decodeScalarHex(v.election_secret_key);
  const plaintext = (ct) => {
    const M = group.sub(group.decodeHex(ct.beta), group.mul(group.decodeHex(ct.alpha), x));
    for (let m = 0; m <= 1; m++) if (M.equals(group.baseMul(BigInt(m)) )) return m;
    if (M.is0()) return 0;
    return -1;
  };
  return ballot.answers.map((a) => ({ choices: a.choices.map(plaintext), blank: plaintext(a.blank) }));
}

const rejects = (fn, pattern) => assert.throws(fn, { name: 'ScrutinError', message: pattern });

for (const [file, v] of files) {
  const el = () => plain(v.election);
  const [q0, q1] = v.election.questions;

  describe(`round trip with fresh randomness (${file})`, () => {
    const cases = [
      ['some candidates', [[q0.candidates[2].id, q0.candidates[0].id], [q1.candidates[q1.candidates.length - 1].id]]],
      ['blank then vote', [[], [q1.candidates[0].id]]],
      ['both blank', [[], []]],
      ['as many as allowed', [q0.candidates.slice(0, q0.max).map((c) => c.id), q1.candidates.slice(0, q1.max).map((c) => c.id)]],
    ];
    for (const [name, choices] of cases) {
      it(`${name}: verifies and decrypts to the choices`, () => {
        const ballot = api.encryptBallot(el(), choices);
        assert.equal(api.verifyBallot(el(), ballot), api.ballotTracker(ballot));
        const expected = v.election.questions.map((q, qi) => {
          const sel = q.candidates.map((c) => (choices[qi].includes(c.id) ? 1 : 0));
          return { choices: sel, blank: choices[qi].length === 0 ? 1 : 0 };
        });
        assert.deepEqual(decrypt(v, ballot), expected);
      });
    }

    it('the committed bundle produces ballots the modules verify, and vice versa', () => {
      const bundle = loadBundle();
      const choices = [[q0.candidates[1].id], []];
      const fromBundle = plain(bundle.encryptBallot(el(), choices));
      api.verifyBallot(el(), fromBundle);
      const fromModules = api.encryptBallot(el(), choices);
      bundle.verifyBallot(el(), plain(fromModules));
      assert.notEqual(JSON.stringify(fromBundle), JSON.stringify(fromModules));
    });

    it('two encryptions of the same choices share no ciphertext', () => {
      const a = api.encryptBallot(el(), [[q0.candidates[0].id], []]);
      const b = api.encryptBallot(el(), [[q0.candidates[0].id], []]);
      const alphas = (x) => x.answers.flatMap((ans) => [...ans.choices, ans.blank].map((c) => c.alpha));
      const shared = alphas(a).filter((x) => alphas(b).includes(x));
      assert.deepEqual(shared, []);
    });

    it('takes every random value from crypto.getRandomValues', () => {
      // A deterministic stand-in for the CSPRNG: the same stream gives the same ballot, a
      // different stream a different one. Nothing else may feed randomness into a ballot.
      const stream = (seed) => ({
        getRandomValues(buf) {
          for (let i = 0; i < buf.length; i++) {
            seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
            buf[i] = seed >>> 24;
          }
          return buf;
        },
      });
      const choices = [[q0.candidates[0].id], [q1.candidates[1].id]];
      const one = plain(loadBundle(stream(1)).encryptBallot(el(), choices));
      const again = plain(loadBundle(stream(1)).encryptBallot(el(), choices));
      const other = plain(loadBundle(stream(2)).encryptBallot(el(), choices));
      assert.equal(JSON.stringify(one), JSON.stringify(again));
      assert.notEqual(JSON.stringify(one), JSON.stringify(other));
      api.verifyBallot(el(), one);
    });

    it('refuses to run without crypto.getRandomValues', () => {
      const bundle = loadBundle(null);
      assert.throws(() => bundle.encryptBallot(el(), [[], []]), /getRandomValues/);
    });
  });

  describe(`invalid choices (${file})`, () => {
    it('rejects more choices than seats', () => {
      const tooMany = q1.candidates.slice(0, q1.max + 1).map((c) => c.id);
      rejects(() => api.encryptBallot(el(), [[], tooMany]), /^choices\[1\]: at most/);
    });
    it('rejects an unknown candidate', () => {
      rejects(() => api.encryptBallot(el(), [['nobody'], []]), /^choices\[0\]\[0\]: unknown candidate/);
    });
    it("rejects a candidate of another question", () => {
      rejects(() => api.encryptBallot(el(), [[q1.candidates[0].id], []]), /^choices\[0\]\[0\]: unknown/);
    });
    it('rejects a candidate chosen twice', () => {
      const id = q0.candidates[0].id;
      rejects(() => api.encryptBallot(el(), [[id, id], []]), /^choices\[0\]\[1\]: .* chosen twice/);
    });
    it('rejects a wrong number of questions', () => {
      rejects(() => api.encryptBallot(el(), [[]]), /^choices: one array/);
      rejects(() => api.encryptBallot(el(), [[], [], []]), /^choices: one array/);
      rejects(() => api.encryptBallot(el(), 'r1'), /^choices: one array/);
    });
    it('rejects non-string candidate ids', () => {
      rejects(() => api.encryptBallot(el(), [[1], []]), /^choices\[0\]\[0\]: unknown candidate/);
    });
    it('rejects 0/1 selections that are not 0/1 or too many', () => {
      const k0 = q0.candidates.length;
      rejects(() => api.encryptSelections(el(), [new Array(k0).fill(0).fill(2, 0, 1), new Array(q1.candidates.length).fill(0)]), /^selections\[0\]: expected/);
      rejects(() => api.encryptSelections(el(), [new Array(k0).fill(1), new Array(q1.candidates.length).fill(0)]), q0.max < k0 ? /^selections\[0\]: at most/ : /never/);
      rejects(() => api.encryptSelections(el(), [new Array(k0 + 1).fill(0), new Array(q1.candidates.length).fill(0)]), /^selections\[0\]: expected/);
    });
  });

  describe(`malformed election parameters (${file})`, () => {
    const group = getGroup(v.group);
    const mutate = (fn) => {
      const doc = el();
      fn(doc);
      return doc;
    };
    const cases = [
      ['not an object', () => [], /^election: expected a JSON object/],
      ['invalid JSON text', () => '{"format":', /^election: not valid JSON/],
      ['missing field', () => mutate((d) => delete d.public_key), /^election: missing field "public_key"/],
      ['unknown field', () => mutate((d) => (d.extra = 1)), /^election: unknown field/],
      ['wrong format', () => mutate((d) => (d.format = 'scrutin-election/v2')), /^election.format/],
      ['unknown group', () => mutate((d) => (d.group = 'secp256k1')), /^election.group/],
      ['group as number', () => mutate((d) => (d.group = 255)), /^election.group: expected a string/],
      ['no question', () => mutate((d) => (d.questions = [])), /^election.questions: at least one/],
      ['max zero', () => mutate((d) => (d.questions[0].max = 0)), /^election.questions\[0\].max/],
      ['max above k', () => mutate((d) => (d.questions[1].max = 99)), /^election.questions\[1\].max/],
      ['max not an integer', () => mutate((d) => (d.questions[0].max = 1.5)), /^election.questions\[0\].max: expected an integer/],
      ['max as string', () => mutate((d) => (d.questions[0].max = '1')), /^election.questions\[0\].max: expected an integer/],
      ['no candidate', () => mutate((d) => (d.questions[0].candidates = [])), /^election.questions\[0\].candidates: between/],
      ['duplicate candidate', () => mutate((d) => (d.questions[0].candidates[1].id = d.questions[0].candidates[0].id)), /^election.questions\[0\].candidates: duplicate/],
      ['candidate extra field', () => mutate((d) => (d.questions[0].candidates[0].party = 'x')), /^election.questions\[0\].candidates\[0\]: unknown field/],
      ['trustees not hex', () => mutate((d) => (d.trustees = 'zz'.repeat(32))), /^election.trustees/],
      ['platform key too short', () => mutate((d) => (d.platform_key = 'ab')), /^election.platform_key/],
      ['public key identity', () => mutate((d) => (d.public_key = '00'.repeat(group.elementSize))), /^election.public_key: the identity/],
      ['public key uppercase', () => mutate((d) => (d.public_key = d.public_key.toUpperCase())), /^election.public_key: only lowercase/],
      ['public key too short', () => mutate((d) => (d.public_key = d.public_key.slice(2))), /^election.public_key: expected/],
      ['public key invalid point', () => mutate((d) => (d.public_key = v.group === 'ristretto255' ? 'ff'.repeat(32) : '04' + '00'.repeat(63) + '01')), /^election.public_key: (not a valid|non-canonical)/],
    ];
    for (const [name, make, pattern] of cases) {
      it(`rejects: ${name}`, () => {
        rejects(() => api.parseElection(make()), pattern);
        rejects(() => api.encryptBallot(make(), [[], []]), pattern);
      });
    }
    if (v.group === 'P-256') {
      it('rejects compressed and off-curve P-256 keys', () => {
        const key = v.election.public_key;
        rejects(() => api.parseElection(mutate((d) => (d.public_key = '02' + key.slice(2)))), /^election.public_key: not a valid/);
        const y = BigInt('0x' + key.slice(66));
        const offCurve = key.slice(0, 66) + ((y + 1n) % (1n << 256n)).toString(16).padStart(64, '0');
        rejects(() => api.parseElection(mutate((d) => (d.public_key = offCurve))), /^election.public_key: not a valid/);
      });
    }
    it('rejects a non-canonical public key encoding', () => {
      // For ristretto255 the field element p+1 ("ee…7f" little-endian) is a non-canonical s; for
      // P-256 a coordinate ≥ p.
      const bad = v.group === 'ristretto255' ? 'ee' + 'ff'.repeat(30) + '7f' : '04' + 'ff'.repeat(64);
      rejects(() => api.parseElection(mutate((d) => (d.public_key = bad))), /^election.public_key: (not a valid|non-canonical)/);
    });
  });
}
