// X25519 sealed boxes (libsodium `crypto_box_seal`), used in round 2 of the key ceremony to send
// each assessor's share to its recipient (docs/protocol.md §9).
//
//   sealed = epk ‖ crypto_box(m, nonce, pk, esk),  nonce = BLAKE2b-24(epk ‖ pk)
//   crypto_box(m, n, pk, sk) = XSalsa20-Poly1305(k, n), k = HSalsa20(X25519(sk, pk), 0¹⁶)
//
// Every primitive is @noble's (x25519 from @noble/curves, HSalsa20 and XSalsa20-Poly1305 from
// @noble/ciphers, BLAKE2b from @noble/hashes); this module only composes them as libsodium does.
// Interoperability with PyNaCl's SealedBox is tested both ways (js/test/trustee-box.test.mjs).
import { x25519 } from '@noble/curves/ed25519.js';
import { hsalsa, xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { fail, randomBytes } from './groups.mjs';

export const SEAL_OVERHEAD = 48; // 32-byte ephemeral key + 16-byte Poly1305 tag
// "expand 32-byte k" as little-endian words: the Salsa20 constants.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function wordsLE(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

function bytesLE(words) {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(4 * i, words[i], true);
  return out;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A Uint8Array, also one made in another realm (as noble's own check). */
function isBytes(a) {
  return a instanceof Uint8Array || (ArrayBuffer.isView(a) && a.constructor.name === 'Uint8Array');
}

function checkKey(key, what) {
  if (!isBytes(key) || key.length !== 32) fail(`${what} : 32 octets attendus`);
}

/** `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret with a zero nonce. */
function boxKey(secretKey, publicKey) {
  let shared;
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey);
  } catch {
    fail('clé de chiffrement X25519 invalide');
  }
  const out = new Uint32Array(8);
  hsalsa(SIGMA, wordsLE(shared), new Uint32Array(4), out);
  shared.fill(0);
  return bytesLE(out);
}

function sealNonce(ephemeralPublic, recipientPublic) {
  return blake2b(concat(ephemeralPublic, recipientPublic), { dkLen: 24 });
}

/** A fresh X25519 key pair (32 CSPRNG bytes, clamped by X25519 itself, as libsodium does). */
export function boxKeyPair() {
  const secretKey = randomBytes(32);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

export function boxPublicKey(secretKey) {
  checkKey(secretKey, 'clé secrète X25519');
  return x25519.getPublicKey(secretKey);
}

/** `crypto_box_seal(message, recipientPublic)`. */
export function sealedBoxSeal(message, recipientPublic) {
  checkKey(recipientPublic, 'clé publique X25519');
  const eph = boxKeyPair();
  const key = boxKey(eph.secretKey, recipientPublic);
  eph.secretKey.fill(0);
  const box = xsalsa20poly1305(key, sealNonce(eph.publicKey, recipientPublic)).encrypt(message);
  key.fill(0);
  return concat(eph.publicKey, box);
}

/** `crypto_box_seal_open(sealed, recipientSecret)`; throws if the box was not made for this key. */
export function sealedBoxOpen(sealed, recipientSecret) {
  checkKey(recipientSecret, 'clé secrète X25519');
  if (!isBytes(sealed) || sealed.length < SEAL_OVERHEAD) fail('boîte scellée trop courte');
  const ephemeralPublic = sealed.subarray(0, 32);
  const key = boxKey(recipientSecret, ephemeralPublic);
  const nonce = sealNonce(ephemeralPublic, x25519.getPublicKey(recipientSecret));
  try {
    return xsalsa20poly1305(key, nonce).decrypt(sealed.subarray(32));
  } catch {
    fail('boîte scellée illisible : destinataire différent ou contenu modifié');
  } finally {
    key.fill(0);
  }
}
