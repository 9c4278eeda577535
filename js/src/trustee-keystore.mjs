// Passphrase-encrypted files for the trustees' secrets, `scrutin-keystore/v1`, byte-compatible
// with scrutin.crypto.keystore (docs/protocol.md §9): Argon2id (libsodium `crypto_pwhash`:
// t = opslimit, m = memlimit / 1024 KiB, one lane, version 0x13, 32-byte key) over the UTF-8
// passphrase and a random 16-byte salt, then XSalsa20-Poly1305 (`crypto_secretbox`) with a random
// 24-byte nonce; `ciphertext` = hex(nonce ‖ tag ‖ box) like PyNaCl's SecretBox.encrypt. The clear
// header is repeated inside the sealed plaintext and compared on opening.
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { fail, randomBytes } from './groups.mjs';
import { canonicalJson } from './jcs.mjs';

export const KEYSTORE_FORMAT = 'scrutin-keystore/v1';
export const MIN_PASSPHRASE = 12;
export const MODERATE = Object.freeze({ opslimit: 3, memlimit: 268435456 }); // libsodium MODERATE
export const INTERACTIVE = Object.freeze({ opslimit: 2, memlimit: 67108864 }); // libsodium INTERACTIVE
// What the browser page writes (docs/key-ceremony.md, "Argon2id in the browser"). MODERATE took
// 11 s per derivation in headless Chromium on the development VM (JavaScript Argon2 is 15–20
// times slower than libsodium) and a holder derives 4 or 5 keys during the ceremony, so the page
// uses RFC 9106's second recommended setting, t = 3 passes over 64 MiB (with libsodium's single
// lane): about 3 s. The header records the limits; scrutin.crypto.keystore opens such files.
export const BROWSER_KDF = Object.freeze({ opslimit: 3, memlimit: 67108864 });
const MAX_OPSLIMIT = 64; // the bounds scrutin.crypto.keystore.open_sealed accepts
const MAX_MEMLIMIT = 2 ** 31;
const HEADER_KEYS = ['format', 'purpose', 'kdf', 'opslimit', 'memlimit', 'salt'];

const UTF8 = new TextEncoder();

function checkLimits(opslimit, memlimit) {
  if (!Number.isSafeInteger(opslimit) || opslimit < 1 || opslimit > MAX_OPSLIMIT) {
    fail('fichier secret : paramètre opslimit hors limites');
  }
  if (!Number.isSafeInteger(memlimit) || memlimit < 8192 || memlimit > MAX_MEMLIMIT) {
    fail('fichier secret : paramètre memlimit hors limites');
  }
}

/** The 32-byte key, as libsodium's crypto_pwhash(ALG_ARGON2ID13). */
export async function deriveKey(passphrase, salt, opslimit, memlimit, onProgress) {
  checkLimits(opslimit, memlimit);
  return argon2idAsync(UTF8.encode(passphrase), salt, {
    t: opslimit,
    m: Math.floor(memlimit / 1024),
    p: 1,
    version: 0x13,
    dkLen: 32,
    maxmem: 2 ** 32 - 1,
    asyncTick: 20,
    onProgress,
  });
}

export function passphraseLength(passphrase) {
  return [...String(passphrase)].length; // code points, like Python's len()
}

/**
 * Seal `secret` (a JSON object) under `passphrase`; resolves to the keystore document.
 * options: {opslimit, memlimit} (default BROWSER_KDF), onProgress(fraction).
 */
export async function sealKeystore(secret, passphrase, purpose, options = {}) {
  if (passphraseLength(passphrase) < MIN_PASSPHRASE) {
    fail(`phrase de passe : au moins ${MIN_PASSPHRASE} caractères`);
  }
  const { opslimit, memlimit } = { ...BROWSER_KDF, ...options };
  const salt = randomBytes(16);
  const key = await deriveKey(passphrase, salt, opslimit, memlimit, options.onProgress);
  const header = { format: KEYSTORE_FORMAT, purpose, kdf: 'argon2id', opslimit, memlimit, salt: bytesToHex(salt) };
  const nonce = randomBytes(24);
  const box = xsalsa20poly1305(key, nonce).encrypt(UTF8.encode(JSON.stringify({ header, secret })));
  key.fill(0);
  const sealed = new Uint8Array(24 + box.length);
  sealed.set(nonce, 0);
  sealed.set(box, 24);
  return { ...header, ciphertext: bytesToHex(sealed) };
}

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Open a keystore document (object or JSON text); resolves to the secret object. */
export async function openKeystore(input, passphrase, options = {}) {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      fail("ce fichier n'est pas un fichier secret Scrutin (JSON illisible)");
    }
  }
  if (!isObject(doc) || doc.format !== KEYSTORE_FORMAT) fail("ce fichier n'est pas un fichier secret Scrutin");
  for (const k of [...HEADER_KEYS, 'ciphertext']) {
    if (!Object.prototype.hasOwnProperty.call(doc, k)) fail(`fichier secret incomplet (champ ${k})`);
  }
  if (doc.kdf !== 'argon2id') fail('fichier secret : dérivation de clé inconnue');
  checkLimits(doc.opslimit, doc.memlimit);
  let salt;
  let sealed;
  try {
    salt = hexToBytes(doc.salt);
    sealed = hexToBytes(doc.ciphertext);
  } catch {
    fail('fichier secret endommagé');
  }
  if (salt.length !== 16 || sealed.length < 24 + 16) fail('fichier secret endommagé');
  const key = await deriveKey(passphrase, salt, doc.opslimit, doc.memlimit, options.onProgress);
  let content;
  try {
    const plain = xsalsa20poly1305(key, sealed.subarray(0, 24)).decrypt(sealed.subarray(24));
    content = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    fail('phrase de passe incorrecte ou fichier secret endommagé');
  } finally {
    key.fill(0);
  }
  const header = Object.fromEntries(HEADER_KEYS.map((k) => [k, doc[k]]));
  const same =
    isObject(content) &&
    isObject(content.header) &&
    bytesToHex(canonicalJson(content.header)) === bytesToHex(canonicalJson(header));
  if (!same) fail("l'en-tête du fichier secret ne correspond pas à sa copie scellée");
  if (!isObject(content.secret)) fail('contenu du fichier secret illisible');
  return content.secret;
}
