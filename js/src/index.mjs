// Public API of the browser module, exposed by the bundle as `window.ScrutinBallot`.
//
//   const ballot = ScrutinBallot.encryptBallot(electionJson, [["r1", "r4"], []]);
//   const tracker = ScrutinBallot.ballotTracker(ballot);
//
// See docs/browser-module.md and docs/protocol.md.
export { ScrutinError, GROUP_NAMES } from './groups.mjs';
export { canonicalJson, fingerprint } from './jcs.mjs';
export { parseElection } from './params.mjs';
export {
  BALLOT_FORMAT,
  ballotTracker,
  encryptBallot,
  encryptSelections,
  parseBallot,
  selectionsFromChoices,
  verifyBallot,
} from './ballot.mjs';

export { RECEIPT_FORMAT, verifyReceipt } from './receipt.mjs';

export const VERSION = '1';
export const PROTOCOL = 'scrutin-ballot/v1';
