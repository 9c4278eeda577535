// A trustee's partial decryption of an urn's tally (docs/protocol.md §10), the document that
// `scrutin trustee decrypt` writes: for every aggregated ciphertext (α, β) at question q, index i,
// the share D = x·α with a Chaum–Pedersen proof that log_B(X) = log_α(D).
//
// Before using the key it checks, from the public documents only: the election fingerprint F it
// computes itself from election.json (RFC 8785 + SHA-256) equals the tally's `election`; the
// trustees.json is the one election.json cites; the key in the keystore is the trustee's
// registered key. Nothing secret leaves this function: it returns the public document.
// It decrypts the ciphertexts it is given: the caller first checks, with trustee-sum.mjs, that
// tally.json is the sum of the sealed ballots (the decryption page does, before opening the key).
import { fail } from './groups.mjs';
import { fingerprint } from './jcs.mjs';
import { parseElection } from './params.mjs';
import { Transcript } from './transcript.mjs';
import { parseCeremony, PRESIDENT, roleOf, TRUSTEES_FORMAT } from './trustee-dkg.mjs';

export const TALLY_FORMAT = 'scrutin-tally/v1';
export const PARTIAL_FORMAT = 'scrutin-partial-decryption/v1';
export const DECRYPTION_TAG = 'scrutin/v1/decryption';

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function exactKeys(obj, keys, where) {
  if (!isObject(obj)) fail(`${where} : objet attendu`);
  const got = Object.keys(obj).sort().join();
  if (got !== [...keys].sort().join()) fail(`${where} : champs ${JSON.stringify(keys)} attendus`);
}

/** Strict reading of tally.json against the parsed election: per question, k choices + blank. */
export function parseTally(election, tally) {
  exactKeys(tally, ['format', 'election', 'ballot_count', 'ballots', 'answers'], 'tally');
  if (tally.format !== TALLY_FORMAT) fail(`tally.format : ${TALLY_FORMAT} attendu`);
  if (tally.election !== election.fingerprint) {
    fail(
      `le dépouillement présenté porte sur une autre élection (empreinte ${String(tally.election).slice(0, 16)}…, ` +
        `election.json donne ${election.fingerprint.slice(0, 16)}…) : refus de déchiffrer`,
    );
  }
  if (!Number.isSafeInteger(tally.ballot_count) || tally.ballot_count < 0) fail('tally.ballot_count : entier attendu');
  const g = election.group;
  if (!Array.isArray(tally.answers) || tally.answers.length !== election.questions.length) {
    fail('tally.answers : une réponse par question attendue');
  }
  const ct = (o, where) => {
    exactKeys(o, ['alpha', 'beta'], where);
    return { alpha: g.decodeHex(o.alpha, `${where}.alpha`, true), beta: g.decodeHex(o.beta, `${where}.beta`, true) };
  };
  return tally.answers.map((a, qi) => {
    const where = `tally.answers[${qi}]`;
    exactKeys(a, ['choices', 'blank'], where);
    const k = election.questions[qi].size;
    if (!Array.isArray(a.choices) || a.choices.length !== k) fail(`${where}.choices : ${k} chiffrés attendus`);
    return [...a.choices.map((c, i) => ct(c, `${where}.choices[${i}]`)), ct(a.blank, `${where}.blank`)];
  });
}

/** Every trustee's public key from trustees.json: {ceremony, keys: Map(id → point)}. */
export function trusteeKeys(election, trustees) {
  if (!isObject(trustees) || trustees.format !== TRUSTEES_FORMAT) fail(`trustees.json : ${TRUSTEES_FORMAT} attendu`);
  if (fingerprint(trustees) !== election.document.trustees) {
    fail('trustees.json ne correspond pas à l’empreinte citée par election.json');
  }
  const ceremony = parseCeremony(trustees.ceremony);
  if (ceremony.group.name !== election.group.name) fail('trustees.json : groupe différent de l’élection');
  const g = election.group;
  const keys = new Map([[ceremony.president, g.decodeHex(trustees.president.public_key, 'trustees.president.public_key')]]);
  for (const [i, a] of (trustees.assessors || []).entries()) {
    keys.set(a.id, g.decodeHex(a.verification_key, `trustees.assessors[${i}].verification_key`));
  }
  if (!g.decodeHex(trustees.public_key, 'trustees.public_key').equals(election.publicKey)) {
    fail('trustees.json : clé publique différente de celle de l’élection');
  }
  return { ceremony, keys };
}

function challenge(g, fpBytes, q, i, trustee, key, alpha, share, a, a2) {
  const t = new Transcript(DECRYPTION_TAG).text(g.name).bytes(fpBytes).u32(q).u32(i).text(trustee);
  for (const p of [key, alpha, share, a, a2]) t.element(g, p);
  return t.challenge(g);
}

/**
 * The `scrutin-partial-decryption/v1` document of the trustee whose final secret
 * ({ceremony, trustee, role, share[, spare]}, from its keystore) is given.
 */
export function partialDecryption(electionInput, tallyDoc, trusteesDoc, secret) {
  const election = parseElection(electionInput);
  const g = election.group;
  const rows = parseTally(election, tallyDoc);
  const { ceremony, keys } = trusteeKeys(election, trusteesDoc);
  if (!isObject(secret) || typeof secret.trustee !== 'string' || !keys.has(secret.trustee)) {
    fail("cette clé n'appartient à aucun gardien de cette élection");
  }
  const trustee = secret.trustee;
  const role = roleOf(ceremony, trustee);
  if (secret.role !== role) fail('cette clé ne porte pas le rôle enregistré du gardien');
  const x = g.decodeScalarHex(secret.share, 'share');
  const key = keys.get(trustee);
  if (!g.baseMul(x).equals(key)) fail('cette clé ne correspond pas à la clé publique enregistrée du gardien');
  const answers = rows.map((row, qi) =>
    row.map(({ alpha }, i) => {
      const d = g.mul(alpha, x);
      const w = g.randomScalar();
      const c = challenge(g, election.fingerprintBytes, qi, i, trustee, key, alpha, d, g.baseMul(w), g.mul(alpha, w));
      return {
        share: g.encodeHex(d),
        proof: { challenge: g.encodeScalarHex(c), response: g.encodeScalarHex(g.sAdd(w, g.sMul(c, x))) },
      };
    }),
  );
  return {
    format: PARTIAL_FORMAT,
    election: election.fingerprint,
    tally: fingerprint(tallyDoc),
    trustee,
    role,
    answers,
  };
}

export { PRESIDENT };
