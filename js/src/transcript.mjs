// Fiat–Shamir transcripts (docs/protocol.md §6): item(x) = u32be(len(x)) ‖ x, hashed with SHA-512,
// the digest read big-endian and reduced modulo ℓ.
import { sha512 } from '@noble/hashes/sha2.js';

const ASCII = new TextEncoder();

function u32be(n) {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('u32 out of range');
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

export class Transcript {
  constructor(tag) {
    this._hash = sha512.create();
    this.text(tag);
  }
  bytes(data) {
    this._hash.update(u32be(data.length));
    this._hash.update(data);
    return this;
  }
  u32(n) {
    return this.bytes(u32be(n));
  }
  text(s) {
    return this.bytes(ASCII.encode(s));
  }
  element(group, point) {
    return this.bytes(group.encode(point));
  }
  challenge(group) {
    return group.reduceDigest(this._hash.digest());
  }
}
