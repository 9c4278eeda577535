// Reproducible build of the browser ballot-encryption bundle.
//
//   node js/build.mjs                 -> src/scrutin/platform/voting/static/voting/scrutin-ballot.js
//   node js/build.mjs --out DIR|FILE  -> same bytes, elsewhere (used by the reproducibility test)
//   node js/build.mjs --trustee [--out DIR|FILE]
//                                     -> the key holders' bundle (key ceremony, partial decryption):
//                                        src/scrutin/platform/ceremony/static/ceremony/scrutin-trustee.js
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
export const TRUSTEE_BUNDLE_NAME = 'scrutin-trustee.js';
export const TRUSTEE_DEFAULT_OUT = join(ROOT, 'src/scrutin/platform/ceremony/static/ceremony', TRUSTEE_BUNDLE_NAME);

function pinnedVersions() {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const v = (name) => lock.packages[`node_modules/${name}`].version;
  return {
    curves: v('@noble/curves'),
    hashes: v('@noble/hashes'),
    ciphers: v('@noble/ciphers'),
    esbuild: v('esbuild'),
  };
}

export async function buildBundle() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const v = pinnedVersions();
  const banner =
    `/*! scrutin-ballot ${pkg.version} | ${pkg.license} | ` +
    `@noble/curves ${v.curves}, @noble/hashes ${v.hashes} (MIT, Paul Miller) | esbuild ${v.esbuild} */`;
  return esbuildOne('js/src/index.mjs', 'ScrutinBallot', banner);
}

/** The key holders' bundle (window.ScrutinTrustee): same options, its own entry and banner. */
export async function buildTrusteeBundle() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const v = pinnedVersions();
  const banner =
    `/*! scrutin-trustee ${pkg.version} | ${pkg.license} | @noble/curves ${v.curves}, ` +
    `@noble/hashes ${v.hashes}, @noble/ciphers ${v.ciphers} (MIT, Paul Miller) | esbuild ${v.esbuild} */`;
  return esbuildOne('js/src/trustee.mjs', 'ScrutinTrustee', banner);
}

async function esbuildOne(entry, globalName, banner) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName,
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

function resolveOut(arg, trustee) {
  const name = trustee ? TRUSTEE_BUNDLE_NAME : BUNDLE_NAME;
  if (!arg) return trustee ? TRUSTEE_DEFAULT_OUT : DEFAULT_OUT;
  const p = resolve(arg);
  let isDir = !p.endsWith('.js');
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    /* does not exist yet: decided by the suffix */
  }
  return isDir ? join(p, name) : p;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const trustee = process.argv.includes('--trustee');
  const out = resolveOut(i >= 0 ? process.argv[i + 1] : undefined, trustee);
  const bytes = await (trustee ? buildTrusteeBundle() : buildBundle());
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const sri = 'sha384-' + createHash('sha384').update(bytes).digest('base64');
  process.stdout.write(`${out}\n  ${bytes.length} bytes\n  sha256 ${sha256}\n  integrity ${sri}\n`);
}
