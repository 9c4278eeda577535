// Reproducible build of the browser ballot-encryption bundle.
//
//   node js/build.mjs                 -> src/scrutin/platform/voting/static/voting/scrutin-ballot.js
//   node js/build.mjs --out DIR|FILE  -> same bytes, elsewhere (used by the reproducibility test)
//
// Determinism: the inputs are the sources under js/src and the exact package versions pinned by
// package-lock.json; every esbuild option is fixed here, the working directory is pinned to the
// repository root, no timestamp, no source map, no environment-dependent value enters the output.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_NAME = 'scrutin-ballot.js';
export const DEFAULT_OUT = join(ROOT, 'src/scrutin/platform/voting/static/voting', BUNDLE_NAME);

function pinnedVersions() {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const v = (name) => lock.packages[`node_modules/${name}`].version;
  return { curves: v('@noble/curves'), hashes: v('@noble/hashes'), esbuild: v('esbuild') };
}

export async function buildBundle() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const v = pinnedVersions();
  const banner =
    `/*! scrutin-ballot ${pkg.version} | ${pkg.license} | ` +
    `@noble/curves ${v.curves}, @noble/hashes ${v.hashes} (MIT, Paul Miller) | esbuild ${v.esbuild} */`;
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['js/src/index.mjs'],
    bundle: true,
    format: 'iife',
    globalName: 'ScrutinBallot',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    charset: 'ascii',
    legalComments: 'eof',
    sourcemap: false,
    treeShaking: true,
    banner: { js: banner },
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  if (result.errors.length || result.outputFiles.length !== 1) {
    throw new Error(`esbuild failed: ${JSON.stringify(result.errors)}`);
  }
  return result.outputFiles[0].contents;
}

function resolveOut(arg) {
  if (!arg) return DEFAULT_OUT;
  const p = resolve(arg);
  let isDir = !p.endsWith('.js');
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    /* does not exist yet: decided by the suffix */
  }
  return isDir ? join(p, BUNDLE_NAME) : p;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = resolveOut(i >= 0 ? process.argv[i + 1] : undefined);
  const bytes = await buildBundle();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const sri = 'sha384-' + createHash('sha384').update(bytes).digest('base64');
  process.stdout.write(`${out}\n  ${bytes.length} bytes\n  sha256 ${sha256}\n  integrity ${sri}\n`);
}
