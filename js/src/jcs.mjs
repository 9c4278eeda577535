// RFC 8785 (JCS) canonical JSON and SHA-256 fingerprints (docs/protocol.md §3).
//
// Protocol documents contain only objects, arrays, strings, booleans and integers in [0, 2^53):
// for these, JCS is ECMAScript's JSON.stringify with object members sorted by the UTF-16 code
// units of their names (RFC 8785 §3.2.3), serialised as UTF-8.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fail } from './groups.mjs';

function serialise(value, out, depth) {
  if (depth > 64) fail('document nested too deeply');
  if (value === null || typeof value === 'boolean') {
    out.push(String(value));
  } else if (typeof value === 'string') {
    out.push(JSON.stringify(value));
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      fail('document cannot be canonicalised: only integers in [0, 2^53) are allowed');
    }
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i) out.push(',');
      serialise(item, out, depth + 1);
    });
    out.push(']');
  } else if (Object.prototype.toString.call(value) === "[object Object]") {
    // Array.prototype.sort without a comparator orders strings by UTF-16 code units.
    const keys = Object.keys(value).sort();
    out.push('{');
    keys.forEach((key, i) => {
      if (i) out.push(',');
      out.push(JSON.stringify(key), ':');
      serialise(value[key], out, depth + 1);
    });
    out.push('}');
  } else {
    fail(`document cannot be canonicalised: unsupported value of type ${typeof value}`);
  }
}

export function canonicalJson(document) {
  const out = [];
  serialise(document, out, 0);
  return new TextEncoder().encode(out.join(''));
}

/** SHA-256 of the canonical JSON as 64 lowercase hex characters. */
export function fingerprint(document) {
  return bytesToHex(sha256(canonicalJson(document)));
}
