// Encrypted ballots (docs/protocol.md §5–§7): encryption with proofs, strict parsing and
// verification of the `scrutin-ballot/v1` JSON document.
import { bytesToHex, fail, ScrutinError } from './groups.mjs';
import { fingerprint } from './jcs.mjs';
import { overallValues, parseElection } from './params.mjs';
import { proveDisjunctive, randomDisjunctive, verifyDisjunctive } from './proofs.mjs';

export const BALLOT_FORMAT = 'scrutin-ballot/v1';
export const CHOICE_TAG = 'scrutin/v1/ballot/choice';
export const OVERALL_TAG = 'scrutin/v1/ballot/overall';
const ZERO_ONE = [0, 1];

function election(params) {
  return params && params.group && params.fingerprintBytes ? params : parseElection(params);
}

// ---- randomness ---------------------------------------------------------------------------

function randomAnswer(group, question) {
  const k = question.size;
  const nonces = [];
  for (let i = 0; i < k; i++) nonces.push(group.randomScalar());
  const blankNonce = group.randomScalar();
  const choiceProofs = [];
  for (let i = 0; i < k; i++) choiceProofs.push(randomDisjunctive(group, 2));
  return {
    nonces,
    blankNonce,
    choiceProofs,
    blankProof: randomDisjunctive(group, 2),
    overallProof: randomDisjunctive(group, question.max + 1),
  };
}

/**
 * Fixed randomness in the JSON layout of tests/vectors/ballot-*.json ("randomness": one object per
 * question with `nonces`, `blank_nonce`, and `choice_proofs`/`blank_proof`/`overall_proof` each
 * `{w, fakes: [{challenge, response}]}`). For reproducing test vectors only.
 */
function answerFromJson(group, question, doc, where) {
  const s = (v, w) => group.decodeScalarHex(v, w);
  const list = (v, n, w) => {
    if (!Array.isArray(v) || v.length !== n) fail(`${w}: expected ${n} items`);
    return v;
  };
  const disj = (d, branches, w) => ({
    w: s(d.w, `${w}.w`),
    fakes: list(d.fakes, branches - 1, `${w}.fakes`).map((f, j) => ({
      challenge: s(f.challenge, `${w}.fakes[${j}].challenge`),
      response: s(f.response, `${w}.fakes[${j}].response`),
    })),
  });
  const k = question.size;
  return {
    nonces: list(doc.nonces, k, `${where}.nonces`).map((r, i) => s(r, `${where}.nonces[${i}]`)),
    blankNonce: s(doc.blank_nonce, `${where}.blank_nonce`),
    choiceProofs: list(doc.choice_proofs, k, `${where}.choice_proofs`).map((d, i) =>
      disj(d, 2, `${where}.choice_proofs[${i}]`),
    ),
    blankProof: disj(doc.blank_proof, 2, `${where}.blank_proof`),
    overallProof: disj(doc.overall_proof, question.max + 1, `${where}.overall_proof`),
  };
}

// ---- encryption ---------------------------------------------------------------------------

function encrypt(group, Y, m, r) {
  return { alpha: group.baseMul(r), beta: group.add(group.small(m), group.mul(Y, r)) };
}

function ctJson(group, ct) {
  return { alpha: group.encodeHex(ct.alpha), beta: group.encodeHex(ct.beta) };
}

function proofJson(group, p) {
  return {
    challenges: p.challenges.map((c) => group.encodeScalarHex(c)),
    responses: p.responses.map((s) => group.encodeScalarHex(s)),
  };
}

function encryptAnswer(group, el, Y, qi, question, selection, rnd) {
  const k = question.size;
  const total = selection.reduce((a, b) => a + b, 0);
  const blank = total === 0 ? 1 : 0;
  const ctx = (tag, index) => ({
    tag,
    electionFingerprint: el.fingerprintBytes,
    question: qi,
    index,
    publicKey: el.publicKey,
  });
  const choices = selection.map((x, i) => encrypt(group, Y, x, rnd.nonces[i]));
  const blankCt = encrypt(group, Y, blank, rnd.blankNonce);
  const choiceProofs = selection.map((x, i) =>
    proveDisjunctive(group, ctx(CHOICE_TAG, i), choices[i], x, rnd.nonces[i], ZERO_ONE, x, rnd.choiceProofs[i], Y),
  );
  const blankProof = proveDisjunctive(
    group, ctx(CHOICE_TAG, k), blankCt, blank, rnd.blankNonce, ZERO_ONE, blank, rnd.blankProof, Y,
  );
  // V = Σ choices + (k+1)·blank = Enc(S + (k+1)·b; Σr + (k+1)·r_b): the same group elements as
  // the homomorphic sum, computed from the known message and nonce.
  let nonce = group.sMul(group.sFrom(k + 1), rnd.blankNonce);
  for (const r of rnd.nonces) nonce = group.sAdd(nonce, r);
  const value = total + (k + 1) * blank;
  const overall = {
    alpha: group.baseMul(nonce),
    beta: group.add(group.baseMul(group.sFrom(value)), group.mul(Y, nonce)),
  };
  const values = overallValues(question);
  const real = values.indexOf(blank ? k + 1 : total);
  const overallProof = proveDisjunctive(
    group, ctx(OVERALL_TAG, 0), overall, value, nonce, values, real, rnd.overallProof, Y,
  );
  return {
    choices: choices.map((c) => ctJson(group, c)),
    blank: ctJson(group, blankCt),
    choice_proofs: choiceProofs.map((p) => proofJson(group, p)),
    blank_proof: proofJson(group, blankProof),
    overall_proof: proofJson(group, overallProof),
  };
}

function checkSelection(question, qi, selection) {
  const k = question.size;
  if (!Array.isArray(selection) || selection.length !== k || selection.some((v) => v !== 0 && v !== 1)) {
    fail(`selections[${qi}]: expected ${k} values 0 or 1`);
  }
  if (selection.reduce((a, b) => a + b, 0) > question.max) {
    fail(`selections[${qi}]: at most ${question.max} choices`);
  }
}

/**
 * Encrypt one 0/1 vector per question (all zeros: a blank vote).
 * `options.randomness` (vectors only) fixes every random scalar; otherwise all of them come from
 * crypto.getRandomValues.
 */
export function encryptSelections(params, selections, options = {}) {
  const el = election(params);
  const group = el.group;
  if (!Array.isArray(selections) || selections.length !== el.questions.length) {
    fail(`selections: one selection per question is required (${el.questions.length})`);
  }
  el.questions.forEach((q, qi) => checkSelection(q, qi, selections[qi]));
  let rnd;
  if (options.randomness !== undefined) {
    if (!Array.isArray(options.randomness) || options.randomness.length !== el.questions.length) {
      fail('randomness: one item per question is required');
    }
    rnd = el.questions.map((q, qi) => answerFromJson(group, q, options.randomness[qi], `randomness[${qi}]`));
  } else {
    rnd = el.questions.map((q) => randomAnswer(group, q));
  }
  const Y = group.prepared(el.publicKey);
  return {
    format: BALLOT_FORMAT,
    election: el.fingerprint,
    answers: el.questions.map((q, qi) => encryptAnswer(group, el, Y, qi, q, selections[qi], rnd[qi])),
  };
}

/**
 * The voter's choices, one array of candidate ids per question (in the order of election.json);
 * an empty array is a blank vote. Rejects unknown or repeated candidates and more than `max`.
 */
export function selectionsFromChoices(params, choices) {
  const el = election(params);
  if (!Array.isArray(choices) || choices.length !== el.questions.length) {
    fail(`choices: one array of candidate ids per question is required (${el.questions.length})`);
  }
  return el.questions.map((q, qi) => {
    const chosen = choices[qi];
    if (!Array.isArray(chosen)) fail(`choices[${qi}]: expected an array of candidate ids`);
    if (chosen.length > q.max) fail(`choices[${qi}]: at most ${q.max} choices for "${q.id}"`);
    const selection = new Array(q.size).fill(0);
    chosen.forEach((id, j) => {
      const i = typeof id === 'string' ? q.candidates.findIndex((c) => c.id === id) : -1;
      if (i < 0) fail(`choices[${qi}][${j}]: unknown candidate ${JSON.stringify(id)} for "${q.id}"`);
      if (selection[i]) fail(`choices[${qi}][${j}]: candidate ${JSON.stringify(id)} chosen twice`);
      selection[i] = 1;
    });
    return selection;
  });
}

/** encryptBallot(electionParams, choices) → ballot JSON object (`scrutin-ballot/v1`). */
export function encryptBallot(params, choices, options = {}) {
  const el = election(params);
  return encryptSelections(el, selectionsFromChoices(el, choices), options);
}

/** The tracker shown on the receipt: SHA-256 of the ballot's canonical JSON (§7). */
export function ballotTracker(ballot) {
  return fingerprint(ballot);
}

// ---- parsing and verification (§7 "Acceptance") -------------------------------------------

function obj(value, keys, where) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${where}: expected a JSON object`);
  }
  const have = Object.keys(value);
  if (have.length !== keys.length || !keys.every((k) => Object.prototype.hasOwnProperty.call(value, k))) {
    const missing = keys.filter((k) => !have.includes(k));
    const extra = have.filter((k) => !keys.includes(k));
    fail(`${where}: missing ${JSON.stringify(missing)} / unknown ${JSON.stringify(extra)} fields`);
  }
  return value;
}

function list(value, n, where) {
  if (!Array.isArray(value)) fail(`${where}: expected a JSON array`);
  if (value.length !== n) fail(`${where}: expected ${n} items, got ${value.length}`);
  return value;
}

function parseCt(group, value, where) {
  const o = obj(value, ['alpha', 'beta'], where);
  return {
    alpha: group.decodeHex(o.alpha, `${where}.alpha`),
    beta: group.decodeHex(o.beta, `${where}.beta`),
  };
}

function parseProof(group, value, n, where) {
  const o = obj(value, ['challenges', 'responses'], where);
  const cs = list(o.challenges, n, `${where}.challenges`);
  const ss = list(o.responses, n, `${where}.responses`);
  return {
    challenges: cs.map((c, i) => group.decodeScalarHex(c, `${where}.challenges[${i}]`)),
    responses: ss.map((s, i) => group.decodeScalarHex(s, `${where}.responses[${i}]`)),
  };
}

/** Strictly parse a ballot; throws ScrutinError whose message starts with the faulty path. */
export function parseBallot(params, doc) {
  const el = election(params);
  const group = el.group;
  const o = obj(doc, ['format', 'election', 'answers'], 'ballot');
  if (o.format !== BALLOT_FORMAT) fail(`ballot.format: expected "${BALLOT_FORMAT}"`);
  if (o.election !== el.fingerprint) fail('ballot.election: ballot made for another election');
  const raw = list(o.answers, el.questions.length, 'ballot.answers');
  const answers = el.questions.map((q, qi) => {
    const w = `ballot.answers[${qi}]`;
    const a = obj(raw[qi], ['choices', 'blank', 'choice_proofs', 'blank_proof', 'overall_proof'], w);
    const k = q.size;
    const choices = list(a.choices, k, `${w}.choices`).map((c, i) => parseCt(group, c, `${w}.choices[${i}]`));
    const choiceProofs = list(a.choice_proofs, k, `${w}.choice_proofs`).map((p, i) =>
      parseProof(group, p, 2, `${w}.choice_proofs[${i}]`),
    );
    return {
      choices,
      choiceProofs,
      blank: parseCt(group, a.blank, `${w}.blank`),
      blankProof: parseProof(group, a.blank_proof, 2, `${w}.blank_proof`),
      overallProof: parseProof(group, a.overall_proof, q.max + 1, `${w}.overall_proof`),
    };
  });
  return { election: o.election, answers };
}

/**
 * Parse and verify every proof with the verification equations of §6.1 (an independent path from
 * encryption: the overall ciphertext is the homomorphic sum). Throws ScrutinError naming the
 * first failure; returns the ballot's tracker.
 */
export function verifyBallot(params, doc) {
  const el = election(params);
  const group = el.group;
  const ballot = parseBallot(el, doc);
  const ctx = (tag, qi, index) => ({
    tag,
    electionFingerprint: el.fingerprintBytes,
    question: qi,
    index,
    publicKey: el.publicKey,
  });
  el.questions.forEach((q, qi) => {
    const a = ballot.answers[qi];
    const k = q.size;
    a.choices.forEach((ct, i) => {
      if (!verifyDisjunctive(group, ctx(CHOICE_TAG, qi, i), ct, ZERO_ONE, a.choiceProofs[i])) {
        fail(`ballot.answers[${qi}].choice_proofs[${i}]: proof rejected`);
      }
    });
    if (!verifyDisjunctive(group, ctx(CHOICE_TAG, qi, k), a.blank, ZERO_ONE, a.blankProof)) {
      fail(`ballot.answers[${qi}].blank_proof: proof rejected`);
    }
    let alpha = group.identity;
    let beta = group.identity;
    for (const c of a.choices) {
      alpha = group.add(alpha, c.alpha);
      beta = group.add(beta, c.beta);
    }
    alpha = group.add(alpha, group.mulPublic(a.blank.alpha, group.sFrom(k + 1)));
    beta = group.add(beta, group.mulPublic(a.blank.beta, group.sFrom(k + 1)));
    if (!verifyDisjunctive(group, ctx(OVERALL_TAG, qi, 0), { alpha, beta }, overallValues(q), a.overallProof)) {
      fail(`ballot.answers[${qi}].overall_proof: proof rejected`);
    }
  });
  return ballotTracker(doc);
}

export { ScrutinError, bytesToHex };
