// The voter's receipt (docs/protocol.md, receipts): a document signed by the platform with
// Ed25519 over its canonical JSON. Checked in the public ballot board's page (issue 17).
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { canonicalJson } from './jcs.mjs';

export const RECEIPT_FORMAT = 'scrutin-receipt/v1';
const FIELDS = ['election', 'format', 'tracker', 'urn', 'voted_at'];
const TEST_FIELDS = ['election', 'environment', 'format', 'tracker', 'urn', 'voted_at'];
const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/**
 * Verify a receipt: `documentText` as printed on it (JSON), `signatureHex` (128 hex),
 * `publicKeyHex` the platform's key (64 hex). Returns {valid, document?, reason?}, the reason in
 * French for the voter. Never throws.
 */
export function verifyReceipt(documentText, signatureHex, publicKeyHex) {
  let document;
  try {
    if (typeof documentText !== 'string' || documentText.length > 4096) throw new Error('size');
    document = JSON.parse(documentText);
  } catch {
    return { valid: false, reason: "Le document n'est pas lisible : recopiez-le en entier, accolades comprises." };
  }
  // A test instance's receipts also carry "environment": "test" (docs/protocol.md §15).
  const fields = document && document.environment === 'test' ? TEST_FIELDS : FIELDS;
  if (
    document === null || typeof document !== 'object' || Array.isArray(document) ||
    Object.keys(document).sort().join(',') !== fields.join(',') ||
    !fields.every((k) => typeof document[k] === 'string') ||
    document.format !== RECEIPT_FORMAT || !HEX64.test(document.tracker)
  ) {
    return { valid: false, reason: "Ce texte n'est pas le document d'un accusé de réception de vote." };
  }
  const signature = String(signatureHex).toLowerCase();
  if (!HEX128.test(signature) || !HEX64.test(String(publicKeyHex))) {
    return { valid: false, reason: 'La signature doit compter 128 caractères (chiffres et lettres de a à f).' };
  }
  let valid = false;
  try {
    valid = ed25519.verify(hexToBytes(signature), canonicalJson(document), hexToBytes(publicKeyHex), { zip215: false });
  } catch {
    valid = false;
  }
  if (!valid) {
    return { valid: false, reason: "Signature incorrecte : ce document n'a pas été signé par la plate-forme, ou il a été modifié." };
  }
  return { valid: true, document };
}
