// A key holder's own recomputation of the urn's tally before any partial decryption, as
// `scrutin trustee decrypt` does (docs/protocol.md §10, §11, §14): the browser reads the published
// `ballots.jsonl` as a stream, line by line, adds every ciphertext of every ballot itself and
// refuses a `tally.json` that is not exactly that sum — otherwise a compromised server could
// present one ballot's ciphertexts as a "tally" and have the key holders decrypt that vote.
//
// Checks, all on public documents:
// * the closing seal of the urn (`scrutin-urn-closing/v1`, §14.2) is signed by the platform key
//   that election.json cites, is about this election and urn, and fixes the number of ballots and
//   the SHA-256 of ballots.jsonl: the tally must announce exactly these, so the file cannot be
//   swapped for another one (a single ballot, say) after the closing;
// * every line of ballots.jsonl is the JSON of a ballot of this election (`election` = F, the
//   shape of the questions), trackers (SHA-256 of the lines) strictly increasing, every point a
//   valid group element other than the identity; the number of lines and the SHA-256 of the
//   whole file are those of the tally;
// * the sums equal tally.json's ciphertexts, element by element.
//
// LineReader (whole-file hash, lines, trackers) and BallotAdder (one line's ciphertexts added)
// are separate so that the adding, which costs one point decoding per element, can run in Web
// Workers (trustee-sum-pool.mjs); checkTallySum runs everything in the calling thread.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { fail, ScrutinError } from './groups.mjs';
import { canonicalJson, fingerprint } from './jcs.mjs';
import { parseTally } from './trustee-decrypt.mjs';

export const BALLOT_FORMAT = 'scrutin-ballot/v1';
export const CLOSING_FORMAT = 'scrutin-urn-closing/v1';
export const MAX_LINE = 4 * 1024 * 1024; // docs/protocol.md §12
export const REFUSAL = 'Refus de déchiffrer : ';
const NEWLINE = 10;
const BALLOT_KEYS = ['answers', 'election', 'format'];
const ANSWER_KEYS = ['blank', 'blank_proof', 'choice_proofs', 'choices', 'overall_proof'];
const CLOSING_KEYS = ['ballots', 'closed_at', 'closes_at', 'election', 'emargements', 'format', 'platform_key',
  'platform_seal', 'reason', 'sealed_at', 'signature', 'trigger', 'urn', 'urn_seal']; // prettier-ignore
const HEX_RE = /^[0-9a-f]*$/;

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasKeys(obj, sortedKeys) {
  if (!isObject(obj)) return false;
  const keys = Object.keys(obj).sort();
  return keys.length === sortedKeys.length && keys.every((k, i) => k === sortedKeys[i]);
}

/** The refusal of line `number` of ballots.jsonl (numbers start at 1). */
export function lineError(number, message) {
  return new ScrutinError(`${REFUSAL}ballots.jsonl, ligne ${number} : ${message}`);
}

class LineError extends Error {}

function lineFail(message) {
  throw new LineError(message);
}

function compareBytes(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function concat(parts, length) {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * ballots.jsonl fed in chunks of bytes cut anywhere: SHA-256 of the whole file, the complete
 * lines (without their "\n"), their count, trackers strictly increasing (no duplicate ballot),
 * line length at most MAX_LINE, the last line ended by "\n".
 */
export class LineReader {
  constructor() {
    this.count = 0;
    this.bytes = 0;
    this.hash = sha256.create();
    this.pending = []; // pieces of the current, unfinished line (copies)
    this.pendingLength = 0;
    this.lastTracker = null;
  }

  /** The complete lines that `chunk` (a Uint8Array) ends, as Uint8Arrays (possibly views). */
  push(chunk) {
    // (not instanceof: the chunks of a stream may come from another realm)
    if (Object.prototype.toString.call(chunk) !== '[object Uint8Array]') fail('ballots.jsonl : octets attendus');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const lines = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end < 0) break;
      let line = chunk.subarray(start, end);
      if (this.pendingLength) {
        line = concat([...this.pending, line], this.pendingLength + line.length);
        this.pending = [];
        this.pendingLength = 0;
      }
      this._check(line);
      lines.push(line);
      start = end + 1;
    }
    if (start < chunk.length) {
      this.pending.push(Uint8Array.prototype.slice.call(chunk, start)); // the caller may reuse its buffer
      this.pendingLength += chunk.length - start;
      if (this.pendingLength > MAX_LINE) throw lineError(this.count + 1, `ligne de plus de ${MAX_LINE} octets`);
    }
    return lines;
  }

  /** {count, sha256, bytes} once the whole file was pushed. */
  finish() {
    if (this.pendingLength) {
      throw lineError(this.count + 1, 'la dernière ligne ne se termine pas par un saut de ligne');
    }
    return { count: this.count, sha256: bytesToHex(this.hash.digest()), bytes: this.bytes };
  }

  _check(line) {
    const number = this.count + 1;
    if (line.length > MAX_LINE) throw lineError(number, `ligne de plus de ${MAX_LINE} octets`);
    const tracker = sha256(line);
    if (this.lastTracker && compareBytes(tracker, this.lastTracker) <= 0) {
      throw lineError(number, 'bulletins non rangés par empreinte strictement croissante (doublon ou ordre modifié)');
    }
    this.lastTracker = tracker;
    this.count = number;
  }
}

/** Decoder of one ballot point: lowercase hex, a valid group element, never the identity. */
function pointDecoder(group) {
  const size = group.elementSize;
  const decode =
    group.name === 'ristretto255'
      ? (bytes) => group.Point.fromBytes(bytes) // RFC 9496 §4.3.1: canonical encodings only
      : (bytes) => group.decode(bytes, 'point');
  return (value, where) => {
    if (typeof value !== 'string' || value.length !== 2 * size || !HEX_RE.test(value)) {
      lineFail(`${where} : ${2 * size} caractères hexadécimaux minuscules attendus`);
    }
    const bytes = hexToBytes(value);
    if (bytes.every((b) => b === 0)) lineFail(`${where} : l'élément neutre n'est pas admis dans un bulletin`);
    try {
      return decode(bytes);
    } catch {
      return lineFail(`${where} : point invalide (pas un élément de ${group.name})`);
    }
  };
}

/**
 * The running sum of ballot lines of one election (a parsed election, parseElection): each line
 * must be the JSON of a ballot of this election with the shape of its questions; a faulty line
 * leaves the sums untouched and throws the refusal naming it.
 */
export class BallotAdder {
  constructor(election) {
    this.election = election;
    this.group = election.group;
    this.decode = pointDecoder(this.group);
    this.utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    this.sums = election.questions.map((q) => Array.from({ length: 2 * (q.size + 1) }, () => this.group.identity));
    this.count = 0;
  }

  add(line, number) {
    let points;
    try {
      let doc;
      try {
        doc = JSON.parse(this.utf8.decode(line));
      } catch {
        lineFail('JSON illisible');
      }
      points = this._points(doc);
    } catch (err) {
      if (err instanceof LineError) throw lineError(number, err.message);
      throw err;
    }
    points.forEach((row, qi) => {
      const sums = this.sums[qi];
      for (let i = 0; i < row.length; i++) sums[i] = sums[i].add(row[i]);
    });
    this.count += 1;
  }

  /** Every sum encoded (question by question, alpha then beta of each choice, then the blank). */
  encoded() {
    const g = this.group;
    const flat = this.sums.flat();
    const out = new Uint8Array(flat.length * g.elementSize);
    flat.forEach((p, i) => out.set(g.encode(p), i * g.elementSize));
    return out;
  }

  _points(doc) {
    const { election } = this;
    if (!hasKeys(doc, BALLOT_KEYS)) lineFail('bulletin : objet avec les champs format, election, answers attendu');
    if (doc.format !== BALLOT_FORMAT) lineFail(`bulletin.format : « ${BALLOT_FORMAT} » attendu`);
    if (doc.election !== election.fingerprint) lineFail("bulletin.election : bulletin d'une autre élection");
    const answers = doc.answers;
    if (!Array.isArray(answers) || answers.length !== election.questions.length) {
      lineFail(`bulletin.answers : ${election.questions.length} réponse(s) attendue(s)`);
    }
    return answers.map((answer, qi) => {
      const w = `bulletin.answers[${qi}]`;
      if (!hasKeys(answer, ANSWER_KEYS)) lineFail(`${w} : champs ${ANSWER_KEYS.join(', ')} attendus`);
      const k = election.questions[qi].size;
      if (!Array.isArray(answer.choices) || answer.choices.length !== k) {
        lineFail(`${w}.choices : ${k} chiffré(s) attendu(s)`);
      }
      const out = [];
      [...answer.choices, answer.blank].forEach((ct, i) => {
        const where = i < k ? `${w}.choices[${i}]` : `${w}.blank`;
        if (!hasKeys(ct, ['alpha', 'beta'])) lineFail(`${where} : objet {alpha, beta} attendu`);
        out.push(this.decode(ct.alpha, `${where}.alpha`), this.decode(ct.beta, `${where}.beta`));
      });
      return out;
    });
  }
}

/** Add sums encoded by BallotAdder.encoded() (partial sums of workers) into `into` (points). */
export function addEncodedSums(election, into, bytes) {
  const g = election.group;
  const n = g.elementSize;
  let at = 0;
  for (const row of into) {
    for (let i = 0; i < row.length; i++, at += n) {
      row[i] = row[i].add(g.decode(bytes.subarray(at, at + n), 'somme partielle', true));
    }
  }
  if (at !== bytes.length) fail('somme partielle de longueur inattendue');
}

/** The sums of an empty urn: identity everywhere, in BallotAdder's layout. */
export function emptySums(election) {
  return election.questions.map((q) => Array.from({ length: 2 * (q.size + 1) }, () => election.group.identity));
}

/**
 * Check the urn's closing seal against election.json and tally.json before anything else:
 * signature by the platform key of election.json, same election F, same urn, the tally
 * announces the sealed number of ballots and the sealed SHA-256 of ballots.jsonl, and there are
 * as many ballots as émargements (R713-24). Returns {fingerprint, count, sha256, emargements}.
 */
export function checkClosingSeal(election, tallyDoc, closing, urnCode) {
  const bad = (why) => fail(`${REFUSAL}scellement de clôture de l'urne invalide (${why}).`);
  if (!hasKeys(closing, CLOSING_KEYS) || closing.format !== CLOSING_FORMAT) bad(`document ${CLOSING_FORMAT} attendu`);
  if (closing.platform_key !== election.document.platform_key) {
    bad("il n'est pas signé par la clé de la plate-forme que cite election.json");
  }
  const { signature, ...body } = closing;
  let valid = false;
  try {
    valid =
      typeof signature === 'string' &&
      signature.length === 128 &&
      HEX_RE.test(signature) &&
      ed25519.verify(hexToBytes(signature), canonicalJson(body), hexToBytes(closing.platform_key), { zip215: false });
  } catch {
    valid = false;
  }
  if (!valid) bad('signature Ed25519 de la plate-forme incorrecte');
  if (closing.election !== election.fingerprint) bad('il porte sur une autre élection');
  if (urnCode !== undefined && closing.urn !== urnCode) bad(`il porte sur l'urne ${String(closing.urn)}`);
  const { ballots, emargements } = closing;
  if (!hasKeys(ballots, ['count', 'sha256']) || !Number.isSafeInteger(ballots.count)) bad('champ ballots');
  if (!hasKeys(emargements, ['count', 'sha256']) || !Number.isSafeInteger(emargements.count)) bad('champ emargements');
  if (ballots.count !== emargements.count) {
    fail(`${REFUSAL}le scellement de clôture compte ${ballots.count} bulletins pour ${emargements.count} émargements.`);
  }
  if (tallyDoc.ballot_count !== ballots.count) {
    fail(
      `${REFUSAL}le dépouillement présenté annonce ${tallyDoc.ballot_count} bulletin(s), ` +
        `l'urne en contenait ${ballots.count} à sa clôture scellée.`,
    );
  }
  if (tallyDoc.ballots !== ballots.sha256) {
    fail(
      `${REFUSAL}le fichier des bulletins du dépouillement présenté ` +
        `(SHA-256 ${String(tallyDoc.ballots).slice(0, 16)}…) ` +
        `n'est pas celui scellé à la clôture (${String(ballots.sha256).slice(0, 16)}…).`,
    );
  }
  return {
    fingerprint: fingerprint(closing),
    count: ballots.count,
    sha256: ballots.sha256,
    emargements: emargements.count,
  };
}

/**
 * Compare what was read ({count, sha256} of LineReader.finish) and the sums (points, in
 * BallotAdder's layout) with tally.json; throws the French refusal on any difference.
 */
export function compareWithTally(election, tallyDoc, read, sums) {
  const rows = parseTally(election, tallyDoc);
  if (read.count !== tallyDoc.ballot_count) {
    fail(
      `${REFUSAL}ballots.jsonl contient ${read.count} bulletin(s), le dépouillement présenté en annonce ` +
        `${tallyDoc.ballot_count}.`,
    );
  }
  if (read.sha256 !== tallyDoc.ballots) {
    fail(
      `${REFUSAL}l'empreinte SHA-256 de ballots.jsonl (${read.sha256.slice(0, 16)}…) n'est pas celle ` +
        `du dépouillement présenté (${String(tallyDoc.ballots).slice(0, 16)}…).`,
    );
  }
  rows.forEach((row, qi) => {
    const k = election.questions[qi].size;
    row.forEach((ct, i) => {
      if (!ct.alpha.equals(sums[qi][2 * i]) || !ct.beta.equals(sums[qi][2 * i + 1])) {
        const which = i < k ? `candidat ${i + 1}` : 'vote blanc';
        fail(
          `${REFUSAL}le dépouillement présenté n'est pas la somme des bulletins publiés ` +
            `(question ${qi + 1}, ${which}).`,
        );
      }
    });
  });
  return { count: read.count, sha256: read.sha256 };
}

export const SLICE = 256 * 1024;
const YIELD_MS = 100;

export function now() {
  return globalThis.performance ? globalThis.performance.now() : Date.now();
}

/** The chunks of a ReadableStream of bytes, or of an (async) iterable of Uint8Array. */
export async function* chunksOf(source) {
  if (source && typeof source.getReader === 'function') {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source;
}

/** Let the page render (progress) between slices of work. */
export function pause() {
  return typeof setTimeout === 'function' ? new Promise((resolve) => setTimeout(resolve, 0)) : Promise.resolve();
}

/**
 * Recompute, in this thread, the sum of ballots.jsonl (a ReadableStream of bytes, or an (async)
 * iterable of Uint8Array chunks) and compare it with tally.json. `onProgress(n, N)` is called as
 * ballots are added (N = tally.ballot_count); the work yields to the event loop regularly.
 * Returns {count, sha256}; throws a ScrutinError in French on any difference.
 */
export async function checkTallySum(election, tallyDoc, source, { onProgress } = {}) {
  parseTally(election, tallyDoc); // the tally's shape and F, before reading any ballot
  const total = tallyDoc.ballot_count;
  const reader = new LineReader();
  const adder = new BallotAdder(election);
  let last = now();
  for await (const chunk of chunksOf(source)) {
    for (let at = 0; at < chunk.length; at += SLICE) {
      for (const line of reader.push(chunk.subarray(at, at + SLICE))) adder.add(line, adder.count + 1);
      if (reader.count > total) {
        fail(`${REFUSAL}ballots.jsonl contient plus de bulletins que le dépouillement présenté n'en annonce ` +
          `(${total}).`);
      }
      if (now() - last >= YIELD_MS) {
        if (onProgress) onProgress(adder.count, total);
        await pause();
        last = now();
      }
    }
  }
  const read = reader.finish();
  if (onProgress) onProgress(adder.count, total);
  return compareWithTally(election, tallyDoc, read, adder.sums);
}
