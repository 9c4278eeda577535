// Run the built bundle in Node, loaded as a browser loads it: a classic script. For `encrypt` it is
// evaluated in a fresh global scope that only offers crypto.getRandomValues and TextEncoder.
//
//   node js/tools/bundle-cli.mjs encrypt [BUNDLE] < {"election": …, "choices": …}
//        → {"ballot": …, "tracker": …}
//   node js/tools/bundle-cli.mjs bench [BUNDLE]   < {"election": …, "choices": …, "runs": N}
//        → {"seconds_per_ballot": …, "runs": N, "first_seconds": …}
//
// Used by tests/unit/browser/test_bundle.py and bench/crypto_browser.py (Node baseline).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [mode, bundlePath] = process.argv.slice(2);
const bundle = bundlePath || join(ROOT, 'src/scrutin/platform/voting/static/voting/scrutin-ballot.js');

const code = readFileSync(bundle, 'utf8');
let S;
if (mode === 'bench') {
  // Timing: run in Node's own global scope, as the page runs it in its window (a separate vm
  // context would slow global lookups and understate Node).
  vm.runInThisContext(code, { filename: 'scrutin-ballot.js' });
  S = globalThis.ScrutinBallot;
} else {
  const context = vm.createContext({ crypto: globalThis.crypto, TextEncoder });
  vm.runInContext(code, context, { filename: 'scrutin-ballot.js' });
  S = context.ScrutinBallot;
}
const input = JSON.parse(readFileSync(0, 'utf8'));

if (mode === 'encrypt') {
  const ballot = S.encryptBallot(input.election, input.choices);
  process.stdout.write(JSON.stringify({ ballot, tracker: S.ballotTracker(ballot) }));
} else if (mode === 'bench') {
  const runs = input.runs ?? 5;
  let t = performance.now();
  S.encryptBallot(input.election, input.choices); // first call: JIT warm-up, counted apart
  const first = (performance.now() - t) / 1000;
  t = performance.now();
  for (let i = 0; i < runs; i++) S.encryptBallot(input.election, input.choices);
  const perBallot = (performance.now() - t) / 1000 / runs;
  process.stdout.write(JSON.stringify({ seconds_per_ballot: perBallot, runs, first_seconds: first }));
} else {
  process.stderr.write('usage: bundle-cli.mjs encrypt|bench [BUNDLE] < input.json\n');
  process.exit(2);
}
