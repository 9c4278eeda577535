// Keystores (scrutin-keystore/v1) written and opened in JavaScript are the same files as
// scrutin.crypto.keystore's: Python opens the browser's, the browser opens Python's (CLI limits
// included); a wrong passphrase, a modified header or file, a short passphrase are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ks from '../src/trustee-keystore.mjs';
import { FAST_KDF, loadTrusteeBundle, NO_PYTHON, plain, python } from './trustee-helpers.mjs';

const PASS = 'correct horse battery staple';
const SECRET = { ceremony: 'f'.repeat(64), trustee: 'assesseur-1', role: 'assessor', share: '0'.repeat(63) + '7' };

const PY_OPEN = `
import json, sys
from scrutin.crypto.keystore import KeystoreError, open_sealed
d = json.load(sys.stdin)
try:
    print(json.dumps({"ok": True, "secret": open_sealed(d["doc"], d["pass"])}))
except KeystoreError as exc:
    print(json.dumps({"ok": False, "error": str(exc)}))
`;

const PY_SEAL = `
import json, sys
from scrutin.crypto.keystore import seal
d = json.load(sys.stdin)
print(json.dumps(seal(d["secret"], d["pass"], d["purpose"], opslimit=d["ops"], memlimit=d["mem"])))
`;

describe('keystores interoperate with scrutin.crypto.keystore', { skip: NO_PYTHON }, () => {
  it('Python opens a keystore written with the browser limits (RFC 9106: t = 3, 64 MiB)', async () => {
    assert.deepEqual({ ...ks.BROWSER_KDF }, { opslimit: 3, memlimit: 64 * 1024 * 1024 });
    const doc = await ks.sealKeystore(SECRET, PASS, 'decryption-key');
    assert.equal(doc.opslimit, 3);
    assert.equal(doc.memlimit, 67108864);
    assert.deepEqual(python(PY_OPEN, { doc, pass: PASS }), { ok: true, secret: SECRET });
    assert.equal(python(PY_OPEN, { doc, pass: PASS + '!' }).ok, false);
  });

  it('opens a keystore Python wrote with the CLI test limits (libsodium INTERACTIVE)', async () => {
    const doc = python(PY_SEAL, { secret: SECRET, pass: PASS, purpose: 'decryption-key', ops: 2, mem: 67108864 });
    assert.deepEqual(await ks.openKeystore(JSON.stringify(doc), PASS), SECRET);
  });

  it('the committed bundle opens and writes the same files', async () => {
    // Cheap limits here: Argon2 runs about 20 times slower in a node:vm context than in Node's
    // own realm or in Chromium (the browser tests exercise the real limits in the bundle).
    const bundle = loadTrusteeBundle();
    const doc = python(PY_SEAL, { secret: SECRET, pass: PASS, purpose: 'decryption-key', ops: 1, mem: 8192 });
    assert.deepEqual(plain(await bundle.openKeystore(doc, PASS)), SECRET);
    const mine = plain(await bundle.sealKeystore(SECRET, PASS, 'decryption-key', FAST_KDF));
    assert.deepEqual(python(PY_OPEN, { doc: mine, pass: PASS }), { ok: true, secret: SECRET });
    assert.deepEqual({ ...bundle.BROWSER_KDF }, { ...ks.BROWSER_KDF });
  });

  it('same passphrase and salt give the same key as libsodium (non-ASCII passphrase)', async () => {
    const pass = 'phrase « très » longue ✓ 😀';
    const doc = python(PY_SEAL, { secret: SECRET, pass, purpose: 'keygen-round1', ops: 1, mem: 8192 });
    assert.deepEqual(await ks.openKeystore(doc, pass), SECRET);
    const mine = await ks.sealKeystore(SECRET, pass, 'keygen-round1', FAST_KDF);
    assert.deepEqual(python(PY_OPEN, { doc: mine, pass }), { ok: true, secret: SECRET });
  });
});

describe('keystores refuse', () => {
  it('a wrong passphrase', async () => {
    const doc = await ks.sealKeystore(SECRET, PASS, 'decryption-key', FAST_KDF);
    await assert.rejects(ks.openKeystore(doc, 'another passphrase'), /phrase de passe incorrecte/);
  });
  it('a header modified outside the sealed copy', async () => {
    const doc = await ks.sealKeystore(SECRET, PASS, 'decryption-key', FAST_KDF);
    await assert.rejects(ks.openKeystore({ ...doc, purpose: 'decryption-key-spare' }, PASS), /en-tête/);
  });
  it('a modified ciphertext, and files that are not keystores', async () => {
    const doc = await ks.sealKeystore(SECRET, PASS, 'decryption-key', FAST_KDF);
    const flipped = doc.ciphertext.slice(0, 60) + (doc.ciphertext[60] === '0' ? '1' : '0') + doc.ciphertext.slice(61);
    await assert.rejects(ks.openKeystore({ ...doc, ciphertext: flipped }, PASS), /endommagé/);
    await assert.rejects(ks.openKeystore({ format: 'scrutin-keygen-round1/v1' }, PASS), /pas un fichier secret/);
    await assert.rejects(ks.openKeystore('{not json', PASS), /pas un fichier secret/);
    await assert.rejects(ks.openKeystore({ ...doc, opslimit: 65 }, PASS), /opslimit/);
    await assert.rejects(ks.openKeystore({ ...doc, memlimit: 2 ** 31 + 1024 }, PASS), /memlimit/);
  });
  it('a passphrase shorter than 12 characters (code points)', async () => {
    await assert.rejects(ks.sealKeystore(SECRET, 'short pass', 'x', FAST_KDF), /au moins 12/);
    assert.equal(ks.passphraseLength('😀'.repeat(12)), 12);
    const doc = await ks.sealKeystore(SECRET, '😀'.repeat(12), 'x', FAST_KDF);
    assert.deepEqual(await ks.openKeystore(doc, '😀'.repeat(12)), SECRET);
  });
  it('each keystore has a fresh salt and nonce', async () => {
    const a = await ks.sealKeystore(SECRET, PASS, 'x', FAST_KDF);
    const b = await ks.sealKeystore(SECRET, PASS, 'x', FAST_KDF);
    assert.notEqual(a.salt, b.salt);
    assert.notEqual(a.ciphertext.slice(0, 48), b.ciphertext.slice(0, 48));
  });
});
