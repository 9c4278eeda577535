// Shared helpers for the trustee-module tests (no tests here): the committed trustee bundle loaded
// as a browser would (classic script, fresh global scope), and a runner for Python snippets that
// use the project's virtualenv (the reference implementation the bundle must interoperate with).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { PYTHON, ROOT } from './helpers.mjs';

export const TRUSTEE_BUNDLE = join(ROOT, 'src/scrutin/platform/ceremony/static/ceremony/scrutin-trustee.js');
export const NO_PYTHON = !existsSync(PYTHON) && 'no .venv';
// Cheap Argon2id limits for tests that are not about the cost (libsodium's minimum memory).
export const FAST_KDF = Object.freeze({ opslimit: 1, memlimit: 8192 });

export function loadTrusteeBundle(cryptoImpl = globalThis.crypto) {
  const context = vm.createContext({ crypto: cryptoImpl, TextEncoder, TextDecoder });
  vm.runInContext(readFileSync(TRUSTEE_BUNDLE, 'utf8'), context, { filename: 'scrutin-trustee.js' });
  if (!context.ScrutinTrustee) throw new Error('the bundle did not define ScrutinTrustee');
  return context.ScrutinTrustee;
}

/** Run `script` with the project's Python; `input` is sent as JSON on stdin, stdout parsed as JSON. */
export function python(script, input) {
  const r = spawnSync(PYTHON, ['-c', script], {
    cwd: ROOT,
    input: JSON.stringify(input ?? null),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

export function unhex(text) {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Deep-copy into plain JSON (also moves values across vm realms). */
export function plain(value) {
  return JSON.parse(JSON.stringify(value));
}
