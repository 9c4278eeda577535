// The key ceremony in JavaScript is the protocol of scrutin.crypto.dkg (docs/protocol.md §9):
// a ceremony run in the browser module is finalised by Python and accepted by the independent
// verifier's trustees check; JS and Python trustees can sit in the same ceremony (shares sealed
// by one, opened and checked by the other); bad shares raise complaints; bad round-1 messages
// are refused; no public message carries a secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUP_NAMES } from '../src/groups.mjs';
import * as dkg from '../src/trustee-dkg.mjs';
import { loadTrusteeBundle, NO_PYTHON, plain, python } from './trustee-helpers.mjs';

const PY_DKG = `
import json, sys
from scrutin.crypto import dkg
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
from scrutin.record.simulate import make_questions
from scrutin.verify.election import read_election
from scrutin.verify.record import check_trustees
from scrutin.verify.report import Report
d = json.load(sys.stdin)
c = dkg.parse_ceremony(d["ceremony"])
op = d["op"]
if op == "round1":
    out = {t: dict(zip(("secret", "message"), dkg.round1(c, t))) for t in d["trustees"]}
elif op == "round2":
    out = {s["trustee"]: dkg.round2(c, s, d["round1"]) for s in d["secrets"]}
elif op == "round3":
    out = {s["trustee"]: dict(zip(("final", "confirmation"), dkg.round3(c, s, d["round1"], d["round2"])))
           for s in d["secrets"]}
else:
    try:
        trustees = dkg.finalize(c, d["round1"], d["round3"])
    except dkg.CeremonyError as exc:
        print(json.dumps({"ok": False, "error": str(exc)}))
        sys.exit(0)
    params = ElectionParameters(ElectionId("essai"), "Essai", c.group_name, trustees["public_key"],
                                Fingerprint(fingerprint(trustees)), "00" * 32,
                                make_questions((("ccir", 3, 2),)))
    report = Report()
    check_trustees(trustees, read_election(params.to_json()), report)
    g = c.group
    keys = dkg.trustee_keys(trustees).keys
    shares_ok = all(g.equal(g.base_mul(int(f["share"], 16)), keys[f["trustee"]]) for f in d["finals"])
    out = {"ok": report.valid, "report": report.render(), "trustees": trustees, "shares_ok": shares_ok}
print(json.dumps(out))
`;

function ceremonyDoc(group, assessors, threshold) {
  return {
    format: 'scrutin-ceremony/v1',
    ceremony_id: `coe-011-${group}`,
    group,
    president: 'president',
    assessors,
    threshold,
  };
}

function runJs(api, c, ids) {
  const secrets = {};
  const r1 = [];
  for (const t of ids) {
    const { secret, message } = api.round1(c, t);
    secrets[t] = plain(secret);
    r1.push(plain(message));
  }
  const r2 = c.assessors.map((a) => plain(api.round2(c, secrets[a], r1)));
  const finals = [];
  const r3 = [];
  for (const t of ids) {
    const { final, confirmation } = api.round3(c, secrets[t], r1, r2);
    finals.push(plain(final));
    r3.push(plain(confirmation));
  }
  return { secrets, r1, r2, r3, finals };
}

describe('a ceremony run in the browser module is finalised by Python and verified', { skip: NO_PYTHON }, () => {
  for (const group of GROUP_NAMES) {
    it(`${group}: president + 3 assessors, t = 2`, () => {
      const doc = ceremonyDoc(group, ['assesseur-1', 'assesseur-2', 'assesseur-3'], 2);
      const c = dkg.parseCeremony(doc);
      const { r1, r3, finals } = runJs(dkg, c, ['president', ...c.assessors]);
      assert.ok(r3.every((m) => m.complaints.length === 0));
      assert.equal(new Set(r3.map((m) => m.public_key)).size, 1);
      const out = python(PY_DKG, { op: 'finalize', ceremony: doc, round1: r1, round3: r3, finals });
      assert.equal(out.ok, true, out.report);
      assert.equal(out.shares_ok, true);
      assert.equal(out.trustees.public_key, r3[0].public_key);
    });
  }

  it('the committed bundle runs the same ceremony (president + 2 assessors, t = 1)', () => {
    const bundle = loadTrusteeBundle();
    const doc = ceremonyDoc('ristretto255', ['assesseur-1', 'assesseur-2'], 1);
    const c = bundle.parseCeremony(doc);
    const { r1, r3, finals } = runJs(bundle, c, ['president', 'assesseur-1', 'assesseur-2']);
    const out = python(PY_DKG, { op: 'finalize', ceremony: doc, round1: r1, round3: r3, finals });
    assert.equal(out.ok, true, out.report);
    assert.equal(out.shares_ok, true);
  });
});

describe('JS and Python trustees in one ceremony', { skip: NO_PYTHON }, () => {
  for (const group of GROUP_NAMES) {
    it(`${group}: president and assesseur-2 in Python, assesseur-1 and assesseur-3 in JS`, () => {
      const doc = ceremonyDoc(group, ['assesseur-1', 'assesseur-2', 'assesseur-3'], 2);
      const c = dkg.parseCeremony(doc);
      const py1 = python(PY_DKG, { op: 'round1', ceremony: doc, trustees: ['president', 'assesseur-2'] });
      const js = ['assesseur-1', 'assesseur-3'];
      const secrets = Object.fromEntries(Object.entries(py1).map(([t, v]) => [t, v.secret]));
      const r1 = Object.values(py1).map((v) => v.message);
      for (const t of js) {
        const { secret, message } = dkg.round1(c, t);
        secrets[t] = secret;
        r1.push(message);
      }
      assert.equal(dkg.checkRound1(c, r1).size, 4); // JS accepts Python's round 1
      const r2 = [
        ...Object.values(python(PY_DKG, { op: 'round2', ceremony: doc, secrets: [secrets['assesseur-2']], round1: r1 })),
        ...js.map((t) => dkg.round2(c, secrets[t], r1)),
      ];
      const py3 = python(PY_DKG, {
        op: 'round3', ceremony: doc, round1: r1, round2: r2,
        secrets: [secrets.president, secrets['assesseur-2']],
      }); // prettier-ignore
      const js3 = js.map((t) => dkg.round3(c, secrets[t], r1, r2));
      const r3 = [...Object.values(py3).map((v) => v.confirmation), ...js3.map((v) => v.confirmation)];
      assert.deepEqual(r3.map((m) => m.complaints), [[], [], [], []]);
      const finals = [...Object.values(py3).map((v) => v.final), ...js3.map((v) => v.final)];
      const out = python(PY_DKG, { op: 'finalize', ceremony: doc, round1: r1, round3: r3, finals });
      assert.equal(out.ok, true, out.report);
      assert.equal(out.shares_ok, true);
    });
  }
});

describe('round 3 complains about bad shares', () => {
  const doc = ceremonyDoc('ristretto255', ['assesseur-1', 'assesseur-2', 'assesseur-3'], 2);
  const c = dkg.parseCeremony(doc);
  const ids = ['president', ...c.assessors];

  it('a share that does not match its dealer’s commitments, and a modified ciphertext', () => {
    const { secrets, r1 } = runJs(dkg, c, ids);
    const [a0] = secrets['assesseur-2'].coefficients;
    const cheat = { ...secrets['assesseur-2'], coefficients: [a0, a0] };
    const r2 = [
      dkg.round2(c, secrets['assesseur-1'], r1),
      dkg.round2(c, cheat, r1), // shares of another polynomial than the committed one
      dkg.round2(c, secrets['assesseur-3'], r1),
    ];
    const box = r2[2].shares[0];
    box.ciphertext = box.ciphertext.slice(0, -2) + (box.ciphertext.endsWith('00') ? '01' : '00');
    const a1 = dkg.round3(c, secrets['assesseur-1'], r1, r2).confirmation;
    assert.deepEqual(a1.complaints, ['assesseur-2', 'assesseur-3']);
    assert.deepEqual(dkg.round3(c, secrets['assesseur-3'], r1, r2).confirmation.complaints, ['assesseur-2']);
    const missing = dkg.round3(c, secrets['assesseur-3'], r1, [r2[0]]).confirmation;
    assert.deepEqual(missing.complaints, ['assesseur-2']);
  });

  it('a round-2 message computed over other round-1 messages', () => {
    const { secrets, r1, r2 } = runJs(dkg, c, ids);
    r2[1].round1 = 'a'.repeat(64);
    assert.deepEqual(dkg.round3(c, secrets['assesseur-1'], r1, r2).confirmation.complaints, ['assesseur-2']);
  });

  it('Python finalize refuses a confirmation with complaints', { skip: NO_PYTHON }, () => {
    const { secrets, r1, r2, r3, finals } = runJs(dkg, c, ids);
    r2[0].shares[0].ciphertext = r2[0].shares[1].ciphertext; // assesseur-2 gets assesseur-3's box
    r3[2] = dkg.round3(c, secrets['assesseur-2'], r1, r2).confirmation;
    assert.deepEqual(r3[2].complaints, ['assesseur-1']);
    const out = python(PY_DKG, { op: 'finalize', ceremony: doc, round1: r1, round3: r3, finals });
    assert.equal(out.ok, false);
    assert.match(out.error, /complaints/);
  });
});

describe('round 1 messages are checked', () => {
  const doc = ceremonyDoc('ristretto255', ['assesseur-1', 'assesseur-2'], 1);
  const c = dkg.parseCeremony(doc);
  const r1 = ['president', 'assesseur-1', 'assesseur-2'].map((t) => dkg.round1(c, t).message);

  it('refuses another ceremony, a duplicate, a bad proof, a wrong degree, a missing trustee', () => {
    const other = dkg.round1(dkg.parseCeremony({ ...doc, ceremony_id: 'coe-974' }), 'president').message;
    assert.throws(() => dkg.checkRound1(c, [other, r1[1], r1[2]]), /autre cérémonie/);
    assert.throws(() => dkg.checkRound1(c, [r1[0], r1[1], r1[1]]), /en double/);
    const forged = { ...r1[1], pok: { ...r1[1].pok, response: r1[2].pok.response } };
    assert.throws(() => dkg.checkRound1(c, [r1[0], forged, r1[2]]), /preuve de connaissance rejetée/);
    const stolen = { ...r1[2], commitments: r1[1].commitments }; // someone else's key, own name
    assert.throws(() => dkg.checkRound1(c, [r1[0], r1[1], stolen]), /preuve de connaissance rejetée/);
    const degree = { ...r1[0], commitments: [...r1[0].commitments, r1[1].commitments[0]] };
    assert.throws(() => dkg.checkRound1(c, [degree, r1[1], r1[2]]), /1 engagement/);
    assert.throws(() => dkg.checkRound1(c, [r1[0], r1[1]]), /manquants de \["assesseur-2"\]/);
    assert.equal(dkg.checkRound1(c, r1).size, 3);
  });

  it('refuses malformed ceremonies', () => {
    assert.throws(() => dkg.parseCeremony({ ...doc, threshold: 3 }), /threshold/);
    assert.throws(() => dkg.parseCeremony({ ...doc, assessors: ['president'] }), /distincts/);
    assert.throws(() => dkg.parseCeremony({ ...doc, group: 'P-384' }), /group/);
    assert.throws(() => dkg.parseCeremony({ ...doc, format: 'x' }), /scrutin-ceremony/);
    assert.throws(() => dkg.round1(c, 'intrus'), /n’est pas un gardien/);
  });
});

describe('public messages never carry a secret', () => {
  it('no coefficient, X25519 secret key or final share appears in rounds 1 to 3', () => {
    const doc = ceremonyDoc('P-256', ['assesseur-1', 'assesseur-2'], 2);
    const c = dkg.parseCeremony(doc);
    const { secrets, r1, r2, r3, finals } = runJs(dkg, c, ['president', 'assesseur-1', 'assesseur-2']);
    const published = JSON.stringify([r1, r2, r3]);
    const hidden = [
      ...Object.values(secrets).flatMap((s) => [...s.coefficients, s.box_key]),
      ...finals.map((f) => f.share),
    ];
    assert.equal(hidden.length, 2 + 3 + 3 + 3); // president 1 + key, assessors 2 + key, finals
    for (const value of hidden) assert.equal(published.includes(value), false);
  });
});
