// Shared helpers for the Node tests (no tests here).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const VECTORS = join(ROOT, 'tests/vectors');
export const BUNDLE = join(ROOT, 'src/scrutin/platform/voting/static/voting/scrutin-ballot.js');
export const PYTHON = join(ROOT, '.venv/bin/python');

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Every tests/vectors/<prefix>-*.json file, as [name, document]. */
export function vectorFiles(prefix) {
  return readdirSync(VECTORS)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.json'))
    .sort()
    .map((f) => [f, readJson(join(VECTORS, f))]);
}

/**
 * Load the committed bundle the way a browser does — a classic script in a fresh global scope
 * that has only the Web APIs it may use — and return its `ScrutinBallot` global.
 */
export function loadBundle(cryptoImpl = globalThis.crypto) {
  const context = vm.createContext({ crypto: cryptoImpl, TextEncoder });
  vm.runInContext(readFileSync(BUNDLE, 'utf8'), context, { filename: 'scrutin-ballot.js' });
  if (!context.ScrutinBallot) throw new Error('the bundle did not define ScrutinBallot');
  return context.ScrutinBallot;
}

/** Deep-copy a value into plain JSON (also moves it across vm realms). */
export function plain(value) {
  return JSON.parse(JSON.stringify(value));
}
