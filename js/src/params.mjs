// The election parameters document, `election.json` (docs/protocol.md §4): strict validation and
// the election fingerprint F that every proof transcript binds.
import { fail, getGroup, GROUP_NAMES, hexBytes } from './groups.mjs';
import { fingerprint } from './jcs.mjs';
import { hexToBytes } from '@noble/hashes/utils.js';

export const ELECTION_FORMAT = 'scrutin-election/v1';
export const MAX_CANDIDATES = 1000;

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function exactKeys(obj, keys, where) {
  const extra = Object.keys(obj).filter((k) => !keys.includes(k));
  if (extra.length) fail(`${where}: unknown field(s) ${JSON.stringify(extra.sort())}`);
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) fail(`${where}: missing field "${k}"`);
  }
}

function field(obj, key, kind, where) {
  const v = obj[key];
  const ok =
    kind === 'string'
      ? typeof v === 'string'
      : kind === 'int'
        ? Number.isSafeInteger(v)
        : kind === 'array'
          ? Array.isArray(v)
          : isObject(v);
  if (!ok) fail(`${where}.${key}: expected ${kind === 'int' ? 'an integer' : `a ${kind}`}`);
  return v;
}

/**
 * Validate an election parameters document (an object, or its JSON text).
 * Returns { document, group, publicKey, fingerprint, fingerprintBytes, questions }.
 */
export function parseElection(input) {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      fail('election: not valid JSON');
    }
  }
  if (!isObject(doc)) fail('election: expected a JSON object');
  const W = 'election';
  exactKeys(
    doc,
    ['format', 'election_id', 'title', 'group', 'public_key', 'trustees', 'platform_key', 'questions'],
    W,
  );
  if (field(doc, 'format', 'string', W) !== ELECTION_FORMAT) {
    fail(`election.format: expected "${ELECTION_FORMAT}"`);
  }
  field(doc, 'election_id', 'string', W);
  field(doc, 'title', 'string', W);
  const groupName = field(doc, 'group', 'string', W);
  if (!GROUP_NAMES.includes(groupName)) {
    fail(`election.group: expected one of ${JSON.stringify(GROUP_NAMES)}`);
  }
  const group = getGroup(groupName);
  const publicKey = group.decodeHex(field(doc, 'public_key', 'string', W), 'election.public_key');
  hexBytes(field(doc, 'trustees', 'string', W), 32, 'election.trustees');
  hexBytes(field(doc, 'platform_key', 'string', W), 32, 'election.platform_key');
  const rawQuestions = field(doc, 'questions', 'array', W);
  if (rawQuestions.length === 0) fail('election.questions: at least one question is required');
  const questions = rawQuestions.map((raw, qi) => {
    const where = `election.questions[${qi}]`;
    if (!isObject(raw)) fail(`${where}: expected an object`);
    exactKeys(raw, ['id', 'title', 'candidates', 'max'], where);
    const id = field(raw, 'id', 'string', where);
    const title = field(raw, 'title', 'string', where);
    const rawCandidates = field(raw, 'candidates', 'array', where);
    if (rawCandidates.length < 1 || rawCandidates.length > MAX_CANDIDATES) {
      fail(`${where}.candidates: between 1 and ${MAX_CANDIDATES} candidates`);
    }
    const candidates = rawCandidates.map((rc, ci) => {
      const cw = `${where}.candidates[${ci}]`;
      if (!isObject(rc)) fail(`${cw}: expected an object`);
      exactKeys(rc, ['id', 'name'], cw);
      return { id: field(rc, 'id', 'string', cw), name: field(rc, 'name', 'string', cw) };
    });
    if (new Set(candidates.map((c) => c.id)).size !== candidates.length) {
      fail(`${where}.candidates: duplicate candidate id`);
    }
    const max = field(raw, 'max', 'int', where);
    if (max < 1 || max > candidates.length) {
      fail(`${where}.max: must be between 1 and the number of candidates`);
    }
    return { id, title, candidates, max, size: candidates.length };
  });
  const fp = fingerprint(doc);
  return Object.freeze({
    document: doc,
    group,
    publicKey,
    fingerprint: fp,
    fingerprintBytes: hexToBytes(fp),
    questions,
  });
}

/** Allowed values of Σcᵢ + (k+1)·b (§7): 1 … max (a vote), then k+1 (blank). */
export function overallValues(question) {
  const values = [];
  for (let v = 1; v <= question.max; v++) values.push(v);
  values.push(question.size + 1);
  return values;
}
