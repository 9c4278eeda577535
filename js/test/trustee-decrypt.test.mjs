// Partial decryption in the browser module (docs/protocol.md §10): the documents it makes are
// exactly what `scrutin trustee decrypt` makes — scrutin.crypto.decryption.combine accepts them
// and finds the counts that were cast; with the spare support too. It refuses a tally of another
// election (fingerprint F recomputed from election.json), a foreign trustees.json, a key that is
// not the trustee's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUP_NAMES } from '../src/groups.mjs';
import { partialDecryption } from '../src/trustee-decrypt.mjs';
import { loadTrusteeBundle, NO_PYTHON, plain, python } from './trustee-helpers.mjs';

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
