// The two prime-order groups of the protocol (docs/protocol.md §2): ristretto255 (RFC 9496, the
// default) and NIST P-256. All curve and field arithmetic is @noble/curves'; this module fixes the
// encodings, validates every element and scalar read from outside and draws random scalars.
import { ristretto255 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export class ScrutinError extends Error {
  /** @param {string} message  starts with the path of the faulty input, e.g. `election.public_key` */
  constructor(message) {
    super(message);
    this.name = 'ScrutinError';
  }
}

export function fail(message) {
  throw new ScrutinError(message);
}

const HEX_RE = /^[0-9a-f]*$/;

/** Exactly `length` bytes written as 2·length lowercase hexadecimal characters (§3). */
export function hexBytes(value, length, what) {
  if (typeof value !== 'string') fail(`${what}: expected a hexadecimal string`);
  if (value.length !== 2 * length) {
    fail(`${what}: expected ${2 * length} hex characters, got ${value.length}`);
  }
  if (!HEX_RE.test(value)) fail(`${what}: only lowercase hexadecimal characters are allowed`);
  return hexToBytes(value);
}

export { bytesToHex };

/** Bytes from the platform's CSPRNG (crypto.getRandomValues), the only source of randomness. */
export function randomBytes(n) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') fail('crypto.getRandomValues is not available');
  const out = new Uint8Array(n);
  c.getRandomValues(out);
  return out;
}

function allZero(bytes) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

class Group {
  constructor(name, Point, elementSize) {
    this.name = name;
    this.Point = Point;
    this.Fn = Point.Fn;
    this.order = Point.Fn.ORDER;
    this.elementSize = elementSize;
    this.base = Point.BASE;
    this.identity = Point.ZERO;
    this._small = [Point.ZERO, Point.BASE];
  }

  // ---- elements (§2)
  /** Validate and decode; the identity is rejected unless `allowIdentity`. */
  decode(bytes, what = 'element', allowIdentity = false) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== this.elementSize) {
      fail(`${what}: a ${this.name} element is exactly ${this.elementSize} bytes`);
    }
    if (allZero(bytes)) {
      if (allowIdentity) return this.identity;
      fail(`${what}: the identity element is not allowed here`);
    }
    let point;
    try {
      point = this._decode(bytes);
    } catch {
      fail(`${what}: not a valid ${this.name} element`);
    }
    if (point.is0()) fail(`${what}: the identity element is not allowed here`);
    // Canonical encodings only: re-encoding gives back exactly the input.
    const again = this.encode(point);
    for (let i = 0; i < bytes.length; i++) {
      if (again[i] !== bytes[i]) fail(`${what}: non-canonical ${this.name} encoding`);
    }
    return point;
  }

  encode(point) {
    return point.is0() ? new Uint8Array(this.elementSize) : this._encode(point);
  }

  decodeHex(value, what = 'element', allowIdentity = false) {
    return this.decode(hexBytes(value, this.elementSize, what), what, allowIdentity);
  }

  encodeHex(point) {
    return bytesToHex(this.encode(point));
  }

  // ---- scalars (§3): 64 lowercase hex characters, big-endian, < ℓ
  decodeScalarHex(value, what = 'scalar') {
    const n = bytesToNumberBE(hexBytes(value, 32, what));
    if (n >= this.order) fail(`${what}: scalar not reduced modulo the group order`);
    return n;
  }

  encodeScalarHex(n) {
    if (typeof n !== 'bigint' || n < 0n || n >= this.order) fail('scalar outside [0, order)');
    return bytesToHex(numberToBytesBE(n, 32));
  }

  /** H_ℓ (§2.3): a 64-byte SHA-512 digest read big-endian, reduced modulo ℓ. */
  reduceDigest(digest) {
    return this.Fn.create(bytesToNumberBE(digest));
  }

  hashToScalar(bytes) {
    return this.reduceDigest(sha512(bytes));
  }

  /** Uniform in [1, ℓ): 64 CSPRNG bytes reduced modulo ℓ−1, plus one (bias below 2^-250). */
  randomScalar() {
    return (bytesToNumberBE(randomBytes(64)) % (this.order - 1n)) + 1n;
  }

  // ---- arithmetic: thin wrappers over noble (which refuses the zero scalar)
  add(a, b) {
    return a.add(b);
  }
  sub(a, b) {
    return a.subtract(b);
  }
  /** k·B with noble's precomputed base table (constant time). */
  baseMul(k) {
    return k === 0n ? this.identity : this.base.multiply(k);
  }
  /** k·P (constant time; k may be secret). */
  mul(point, k) {
    return k === 0n || point.is0() ? this.identity : point.multiply(k);
  }
  /** k·P for public k and P (verification only): noble's faster variable-time multiplication. */
  mulPublic(point, k) {
    return k === 0n || point.is0() ? this.identity : point.multiplyUnsafe(k);
  }
  /** v·B for a small non-negative integer v. */
  small(v) {
    if (v < this._small.length) return this._small[v];
    return this.baseMul(this.Fn.create(BigInt(v)));
  }
  /**
   * A copy of `point` with a window table cached by noble, for a point multiplied many times
   * (the election public key during one encryption).
   */
  prepared(point) {
    const copy = this._decode(this._encode(point));
    copy.precompute(6, false);
    return copy;
  }

  // ---- scalar arithmetic modulo ℓ (noble's field)
  sAdd(a, b) {
    return this.Fn.add(a, b);
  }
  sSub(a, b) {
    return this.Fn.sub(a, b);
  }
  sMul(a, b) {
    return this.Fn.mul(a, b);
  }
  sFrom(n) {
    return this.Fn.create(BigInt(n));
  }
}

class Ristretto255 extends Group {
  constructor() {
    super('ristretto255', ristretto255.Point, 32);
  }
  _decode(bytes) {
    // RFC 9496 §4.3.1: rejects non-canonical field elements, negative s and invalid points.
    return this.Point.fromBytes(bytes);
  }
  _encode(point) {
    return point.toBytes();
  }
}

class P256 extends Group {
  constructor() {
    super('P-256', p256.Point, 65);
  }
  _decode(bytes) {
    if (bytes[0] !== 0x04) fail('a P-256 element starts with the byte 04');
    const point = this.Point.fromBytes(bytes); // coordinates < p, curve equation
    point.assertValidity();
    return point;
  }
  _encode(point) {
    return point.toBytes(false); // 04 ‖ X ‖ Y
  }
}

const GROUPS = { ristretto255: new Ristretto255(), 'P-256': new P256() };

export const GROUP_NAMES = Object.freeze(Object.keys(GROUPS));

export function getGroup(name) {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(GROUPS, name)) {
    fail(`unknown group ${JSON.stringify(String(name))}: expected "ristretto255" or "P-256"`);
  }
  return GROUPS[name];
}
