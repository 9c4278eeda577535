// Public API of the key holders' browser module, exposed by the bundle
// src/scrutin/platform/ceremony/static/ceremony/scrutin-trustee.js as `window.ScrutinTrustee`.
// Used by the key ceremony page and the partial decryption page (docs/key-ceremony.md); it needs
// only crypto.getRandomValues, TextEncoder/TextDecoder and timers (Argon2id yields to the page).
// Loaded as a dedicated Web Worker's script, the same file adds ballots for the partial
// decryption page's recomputation of the tally (trustee-sum-pool.mjs).
import { installSumWorker } from './trustee-sum-pool.mjs';

export { ScrutinError, GROUP_NAMES } from './groups.mjs';
export { canonicalJson, fingerprint } from './jcs.mjs';
export { parseElection } from './params.mjs';
export {
  ASSESSOR,
  CEREMONY_FORMAT,
  checkRound1,
  parseCeremony,
  PRESIDENT,
  round1,
  round1Digest,
  round2,
  round3,
  ROUND1_FORMAT,
  ROUND2_FORMAT,
  ROUND3_FORMAT,
} from './trustee-dkg.mjs';
export { boxKeyPair, sealedBoxOpen, sealedBoxSeal } from './trustee-box.mjs';
export {
  BROWSER_KDF,
  INTERACTIVE,
  KEYSTORE_FORMAT,
  MIN_PASSPHRASE,
  MODERATE,
  openKeystore,
  passphraseLength,
  sealKeystore,
} from './trustee-keystore.mjs';
export { PARTIAL_FORMAT, partialDecryption, parseTally } from './trustee-decrypt.mjs';
export {
  BallotAdder,
  checkClosingSeal,
  checkTallySum,
  CLOSING_FORMAT,
  compareWithTally,
  LineReader,
} from './trustee-sum.mjs';
export { checkTallySumParallel, sumWorkerHandler } from './trustee-sum-pool.mjs';

export const VERSION = '1';

if (typeof DedicatedWorkerGlobalScope !== 'undefined' && globalThis instanceof DedicatedWorkerGlobalScope) {
  installSumWorker(globalThis);
}
