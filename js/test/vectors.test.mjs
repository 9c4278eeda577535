// The shared test vectors of tests/vectors/ (docs/protocol.md §7.1), reproduced byte for byte by
// the ES modules and by the committed bundle.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as src from '../src/index.mjs';
import { getGroup } from '../src/groups.mjs';
import { Transcript } from '../src/transcript.mjs';
import { loadBundle, plain, vectorFiles } from './helpers.mjs';

const ballotFiles = vectorFiles('ballot');
const encodingFiles = vectorFiles('encoding');

it('has ballot and encoding vectors for both groups', () => {
  const groups = (files) => files.map(([, v]) => v.group).sort();
  assert.deepEqual(groups(ballotFiles), ['P-256', 'ristretto255']);
  assert.deepEqual(groups(encodingFiles), ['P-256', 'ristretto255']);
});

for (const [impl, api] of [
  ['modules', src],
  ['bundle', loadBundle()],
]) {
  for (const [file, v] of ballotFiles) {
    describe(`${impl}: ${file}`, () => {
      it('computes the election fingerprint', () => {
        assert.equal(api.parseElection(plain(v.election)).fingerprint, v.election_fingerprint);
        assert.equal(api.fingerprint(plain(v.election)), v.election_fingerprint);
      });

      for (const c of v.valid) {
        it(`reproduces valid ballot "${c.name}" byte for byte`, () => {
          const ballot = api.encryptSelections(plain(v.election), plain(c.selections), {
            randomness: plain(c.randomness),
          });
          // Same JSON text (same member order) and same canonical bytes, hence same tracker.
          assert.equal(JSON.stringify(ballot), JSON.stringify(c.ballot));
          assert.equal(
            Buffer.from(api.canonicalJson(ballot)).toString('hex'),
            Buffer.from(src.canonicalJson(c.ballot)).toString('hex'),
          );
          assert.equal(api.ballotTracker(ballot), c.tracker);
          assert.equal(api.verifyBallot(plain(v.election), ballot), c.tracker);
        });

        it(`reproduces "${c.name}" from candidate ids through encryptBallot`, () => {
          const el = v.election;
          const choices = c.selections.map((sel, qi) =>
            el.questions[qi].candidates.filter((_, i) => sel[i] === 1).map((cand) => cand.id),
          );
          const ballot = api.encryptBallot(plain(el), choices, { randomness: plain(c.randomness) });
          assert.equal(JSON.stringify(ballot), JSON.stringify(c.ballot));
        });
      }

      for (const c of v.invalid) {
        it(`rejects invalid ballot "${c.name}" at ${c.error}`, () => {
          assert.throws(
            () => api.verifyBallot(plain(v.election), plain(c.ballot)),
            (err) => {
              assert.equal(err.name, 'ScrutinError');
              assert.ok(
                err.message.startsWith(`${c.error}:`),
                `expected an error at ${c.error}, got: ${err.message}`,
              );
              return true;
            },
          );
        });
      }
    });
  }
}

for (const [file, v] of encodingFiles) {
  describe(`modules: ${file}`, () => {
    const group = getGroup(v.group);

    it('has the group order', () => {
      assert.equal(group.order.toString(16), v.order);
    });

    it('encodes small multiples of the generator', () => {
      for (const { k, point } of v.multiples_of_generator) {
        assert.equal(group.encodeHex(group.baseMul(BigInt(k))), point);
        assert.ok(group.decodeHex(point).equals(group.baseMul(BigInt(k))));
      }
    });

    it('multiplies by a full-size scalar', () => {
      const { scalar, point } = v.scalar_multiplication;
      const k = group.decodeScalarHex(scalar);
      assert.equal(group.encodeHex(group.baseMul(k)), point);
      assert.equal(group.encodeHex(group.mul(group.base, k)), point);
      assert.equal(group.encodeScalarHex(k), scalar);
    });

    for (const bad of v.invalid_points) {
      it(`rejects the invalid element ${bad.slice(0, 16)}… (${bad.length} hex)`, () => {
        assert.throws(() => group.decodeHex(bad, 'x'), { name: 'ScrutinError', message: /^x: / });
      });
    }

    for (const bad of v.invalid_scalars) {
      it(`rejects the invalid scalar ${bad.slice(0, 16)}… (${bad.length} hex)`, () => {
        assert.throws(() => group.decodeScalarHex(bad, 's'), { name: 'ScrutinError', message: /^s: / });
      });
    }

    it('hashes a transcript to the expected challenge', () => {
      const [tag, ...items] = v.transcript.items;
      assert.equal(tag.kind, 'tag');
      const t = new Transcript(tag.value);
      for (const item of items) {
        if (item.kind === 'text') t.text(item.value);
        else if (item.kind === 'u32') t.u32(item.value);
        else if (item.kind === 'element') t.element(group, group.decodeHex(item.value));
        else assert.fail(`unknown transcript item kind ${item.kind}`);
      }
      assert.equal(group.encodeScalarHex(t.challenge(group)), v.transcript.challenge);
    });
  });
}
