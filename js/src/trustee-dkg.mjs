// The key ceremony of one COE in the browser (docs/protocol.md §8–§9), the same computations as
// scrutin.crypto.dkg: the president draws x_P (degree-0 polynomial), every assessor a polynomial
// of degree t−1 (Pedersen DKG, Feldman commitments), each with a Schnorr proof of knowledge bound
// to the ceremony. Round 2 seals each assessor's share f_j(i) to its recipient's X25519 key;
// round 3 checks the received shares against the commitments and keeps x_i = Σ_j f_j(i).
//
// Secrets (coefficients, X25519 key, final share) are returned to the caller only to be sealed in
// a keystore on the trustee's device; public messages never contain them.
import { hexToBytes } from '@noble/hashes/utils.js';
import { bytesToHex, fail, getGroup, GROUP_NAMES, hexBytes } from './groups.mjs';
import { fingerprint } from './jcs.mjs';
import { Transcript } from './transcript.mjs';
import { boxKeyPair, boxPublicKey, sealedBoxOpen, sealedBoxSeal } from './trustee-box.mjs';

export const CEREMONY_FORMAT = 'scrutin-ceremony/v1';
export const ROUND1_FORMAT = 'scrutin-keygen-round1/v1';
export const ROUND2_FORMAT = 'scrutin-keygen-round2/v1';
export const ROUND3_FORMAT = 'scrutin-keygen-round3/v1';
export const TRUSTEES_FORMAT = 'scrutin-trustees/v1';
export const PRESIDENT = 'president';
export const ASSESSOR = 'assessor';
export const POK_TAG = 'scrutin/v1/keygen/pok';

const UTF8 = new TextEncoder();

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(input, what) {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    fail(`${what} : JSON illisible`);
  }
}

/** Validate `ceremony.json` (object or text), as scrutin.crypto.dkg.parse_ceremony. */
export function parseCeremony(input) {
  const doc = parseJson(input, 'ceremony.json');
  if (!isObject(doc) || doc.format !== CEREMONY_FORMAT) fail(`ceremony.json : document ${CEREMONY_FORMAT} attendu`);
  for (const k of ['group', 'president', 'assessors', 'threshold', 'ceremony_id']) {
    if (!Object.prototype.hasOwnProperty.call(doc, k)) fail(`ceremony.json : champ ${k} manquant`);
  }
  const { group: groupName, president, assessors, threshold } = doc;
  if (!GROUP_NAMES.includes(groupName)) fail(`ceremony.group : ${JSON.stringify(GROUP_NAMES)} attendu`);
  if (!Array.isArray(assessors) || !assessors.every((a) => typeof a === 'string' && a)) {
    fail('ceremony.assessors : liste d’identifiants attendue');
  }
  if (typeof president !== 'string' || !president || typeof doc.ceremony_id !== 'string') {
    fail('ceremony.president / ceremony_id : identifiants attendus');
  }
  if (new Set(assessors).size !== assessors.length || assessors.includes(president) || !assessors.length) {
    fail('ceremony : gardiens distincts, au moins un assesseur');
  }
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > assessors.length) {
    fail('ceremony.threshold : entre 1 et le nombre d’assesseurs');
  }
  const document = {
    format: CEREMONY_FORMAT,
    ceremony_id: doc.ceremony_id,
    group: groupName,
    president,
    assessors: [...assessors],
    threshold,
  };
  const fp = fingerprint(document);
  return Object.freeze({
    document,
    id: doc.ceremony_id,
    group: getGroup(groupName),
    president,
    assessors: Object.freeze([...assessors]),
    threshold,
    fingerprint: fp,
    fingerprintBytes: hexToBytes(fp),
  });
}

export function roleOf(ceremony, trustee) {
  if (trustee === ceremony.president) return PRESIDENT;
  if (ceremony.assessors.includes(trustee)) return ASSESSOR;
  fail(`« ${trustee} » n’est pas un gardien de cette cérémonie`);
}

/** An assessor's Shamir index: 1 + its position in `assessors`. */
export function indexOf(ceremony, trustee) {
  const i = ceremony.assessors.indexOf(trustee);
  if (i < 0) fail(`« ${trustee} » n’est pas un assesseur de cette cérémonie`);
  return i + 1;
}

export function polyEval(group, coefficients, x) {
  const xs = group.sFrom(x);
  let acc = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) acc = group.sAdd(group.sMul(acc, xs), coefficients[k]);
  return acc;
}

/** Σ_k x^k·C_k (Feldman): the public image of f(x). */
export function commitmentEval(group, commitments, x) {
  let acc = group.identity;
  let power = 1n;
  const xs = group.sFrom(x);
  for (const c of commitments) {
    acc = group.add(acc, group.mulPublic(c, power));
    power = group.sMul(power, xs);
  }
  return acc;
}

function pokChallenge(group, ceremonyBytes, trustee, commitment, r) {
  return new Transcript(POK_TAG)
    .text(group.name)
    .bytes(ceremonyBytes)
    .text(trustee)
    .element(group, commitment)
    .element(group, r)
    .challenge(group);
}

export function proveKnowledge(group, ceremonyBytes, trustee, secret) {
  const w = group.randomScalar();
  const c = pokChallenge(group, ceremonyBytes, trustee, group.baseMul(secret), group.baseMul(w));
  return { challenge: group.encodeScalarHex(c), response: group.encodeScalarHex(group.sAdd(w, group.sMul(c, secret))) };
}

export function verifyKnowledge(group, ceremonyBytes, trustee, commitment, proof, where) {
  if (!isObject(proof) || Object.keys(proof).sort().join() !== 'challenge,response') {
    fail(`${where} : {challenge, response} attendu`);
  }
  const c = group.decodeScalarHex(proof.challenge, `${where}.challenge`);
  const s = group.decodeScalarHex(proof.response, `${where}.response`);
  const r = group.sub(group.baseMul(s), group.mulPublic(commitment, c));
  return pokChallenge(group, ceremonyBytes, trustee, commitment, r) === c;
}

/** The digest every round-2 and round-3 message cites: the round-1 messages sorted by trustee. */
export function round1Digest(messages) {
  const key = (m) => String(m && m.trustee);
  return fingerprint([...messages].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));
}

// ---- round 1 -------------------------------------------------------------------------------

/** Returns {secret, message}: the secret must only ever go to a keystore. */
export function round1(ceremony, trustee) {
  const group = ceremony.group;
  const role = roleOf(ceremony, trustee);
  const degree = role === PRESIDENT ? 1 : ceremony.threshold;
  const coefficients = Array.from({ length: degree }, () => group.randomScalar());
  const box = boxKeyPair();
  const secret = {
    ceremony: ceremony.fingerprint,
    trustee,
    role,
    coefficients: coefficients.map((a) => group.encodeScalarHex(a)),
    box_key: bytesToHex(box.secretKey),
  };
  const message = {
    format: ROUND1_FORMAT,
    ceremony: ceremony.fingerprint,
    trustee,
    role,
    encryption_key: bytesToHex(box.publicKey),
    commitments: coefficients.map((a) => group.encodeHex(group.baseMul(a))),
    pok: proveKnowledge(group, ceremony.fingerprintBytes, trustee, coefficients[0]),
  };
  box.secretKey.fill(0);
  return { secret, message };
}

/** Validate every round-1 message (one per trustee, right degree, valid proof), as dkg.check_round1. */
export function checkRound1(ceremony, messages) {
  const group = ceremony.group;
  const out = new Map();
  if (!Array.isArray(messages)) fail('tour 1 : liste de messages attendue');
  for (const m of messages) {
    const trustee = isObject(m) ? m.trustee : undefined;
    const where = `tour 1 de ${JSON.stringify(trustee)}`;
    if (!isObject(m) || m.format !== ROUND1_FORMAT || typeof trustee !== 'string') {
      fail(`${where} : pas un document ${ROUND1_FORMAT}`);
    }
    if (m.ceremony !== ceremony.fingerprint) fail(`${where} : fait pour une autre cérémonie`);
    const role = roleOf(ceremony, trustee);
    if (m.role !== role || out.has(trustee)) fail(`${where} : rôle erroné ou message en double`);
    const degree = role === PRESIDENT ? 1 : ceremony.threshold;
    if (!Array.isArray(m.commitments) || m.commitments.length !== degree) {
      fail(`${where} : ${degree} engagement(s) attendu(s)`);
    }
    const commitments = m.commitments.map((c) => group.decodeHex(c, `${where}.commitments`));
    const encryptionKey = hexBytes(m.encryption_key, 32, `${where}.encryption_key`);
    if (!verifyKnowledge(group, ceremony.fingerprintBytes, trustee, commitments[0], m.pok, `${where}.pok`)) {
      fail(`${where} : preuve de connaissance rejetée`);
    }
    out.set(trustee, { trustee, role, encryptionKey, commitments });
  }
  const missing = [ceremony.president, ...ceremony.assessors].filter((t) => !out.has(t));
  if (missing.length) fail(`tour 1 : messages manquants de ${JSON.stringify(missing.sort())}`);
  return out;
}

export function publicKeyFromRound1(ceremony, r1) {
  const group = ceremony.group;
  let y = r1.get(ceremony.president).commitments[0];
  for (const a of ceremony.assessors) y = group.add(y, r1.get(a).commitments[0]);
  return y;
}

function checkSecret(ceremony, secret) {
  if (!isObject(secret) || secret.ceremony !== ceremony.fingerprint) {
    fail('ce fichier secret appartient à une autre cérémonie');
  }
  const role = roleOf(ceremony, secret.trustee);
  if (secret.role !== role || !Array.isArray(secret.coefficients) || typeof secret.box_key !== 'string') {
    fail("ce fichier secret n'est pas celui du tour 1");
  }
  return secret.coefficients.map((a, k) => ceremony.group.decodeScalarHex(a, `coefficients[${k}]`));
}

// ---- round 2 -------------------------------------------------------------------------------

/** An assessor's shares f_j(i) for every other assessor, each sealed to its round-1 key. */
export function round2(ceremony, secret, messages) {
  const r1 = checkRound1(ceremony, messages);
  const group = ceremony.group;
  const coefficients = checkSecret(ceremony, secret);
  const me = secret.trustee;
  if (secret.role !== ASSESSOR) fail('le tour 2 est fait par les assesseurs seulement');
  const shares = [];
  for (const other of ceremony.assessors) {
    if (other === me) continue;
    const value = polyEval(group, coefficients, indexOf(ceremony, other));
    const payload = JSON.stringify({ from: me, to: other, share: group.encodeScalarHex(value) });
    const sealed = sealedBoxSeal(UTF8.encode(payload), r1.get(other).encryptionKey);
    shares.push({ to: other, ciphertext: bytesToHex(sealed) });
  }
  return {
    format: ROUND2_FORMAT,
    ceremony: ceremony.fingerprint,
    trustee: me,
    round1: round1Digest(messages),
    shares,
  };
}

// ---- round 3 -------------------------------------------------------------------------------

function receivedShare(ceremony, boxKey, dealer, me, item) {
  const group = ceremony.group;
  const content = JSON.parse(new TextDecoder().decode(sealedBoxOpen(hexToBytes(item.ciphertext), boxKey)));
  if (!isObject(content) || content.from !== dealer || content.to !== me) throw new Error('share for someone else');
  return group.decodeScalarHex(content.share);
}

/**
 * Returns {final, confirmation}. `final` (the decryption share) must go to a keystore; the
 * confirmation names in `complaints` every dealer whose share is missing or wrong.
 */
export function round3(ceremony, secret, round1Messages, round2Messages) {
  const r1 = checkRound1(ceremony, round1Messages);
  const group = ceremony.group;
  const coefficients = checkSecret(ceremony, secret);
  const me = secret.trustee;
  const digest = round1Digest(round1Messages);
  const complaints = [];
  let share;
  let key;
  if (secret.role === PRESIDENT) {
    share = coefficients[0];
    key = r1.get(me).commitments[0];
  } else {
    const index = indexOf(ceremony, me);
    share = polyEval(group, coefficients, index);
    const boxKey = hexBytes(secret.box_key, 32, 'box_key');
    if (bytesToHex(boxPublicKey(boxKey)) !== bytesToHex(r1.get(me).encryptionKey)) {
      fail('ce fichier secret ne correspond pas à votre message du tour 1');
    }
    const received = new Map();
    for (const m of round2Messages || []) {
      const dealer = isObject(m) ? m.trustee : undefined;
      if (!isObject(m) || m.format !== ROUND2_FORMAT || !ceremony.assessors.includes(dealer)) {
        fail(`tour 2 de ${JSON.stringify(dealer)} : document de tour 2 invalide`);
      }
      if (m.round1 !== digest) {
        complaints.push(dealer);
        continue;
      }
      for (const item of Array.isArray(m.shares) ? m.shares : []) {
        if (!isObject(item) || item.to !== me) continue;
        let value;
        try {
          value = receivedShare(ceremony, boxKey, dealer, me, item);
        } catch {
          complaints.push(dealer);
          continue;
        }
        const expected = commitmentEval(group, r1.get(dealer).commitments, index);
        if (!group.baseMul(value).equals(expected)) {
          complaints.push(dealer);
          continue;
        }
        received.set(dealer, value);
      }
    }
    for (const dealer of ceremony.assessors) {
      if (dealer !== me && !received.has(dealer) && !complaints.includes(dealer)) complaints.push(dealer);
    }
    for (const v of received.values()) share = group.sAdd(share, v);
    key = group.baseMul(share);
  }
  const final = { ceremony: secret.ceremony, trustee: me, role: secret.role, share: group.encodeScalarHex(share) };
  const confirmation = {
    format: ROUND3_FORMAT,
    ceremony: ceremony.fingerprint,
    trustee: me,
    round1: digest,
    verification_key: group.encodeHex(key),
    public_key: group.encodeHex(publicKeyFromRound1(ceremony, r1)),
    complaints: [...new Set(complaints)].sort(),
  };
  return { final, confirmation };
}
