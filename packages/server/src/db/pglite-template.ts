/**
 * The embedded database's template (issue #17): a data directory fresh out of initdb, made once
 * per installed PGlite version by a child process (bin/pglite-initdb.js), so that a first start
 * copies files instead of running initdb in the server process. initdb in PGlite peaks at
 * ~700 MiB (a second Postgres instance and copies of its heap and data directory), and
 * WebAssembly memory never shrinks: run in the server it left a first start at ~780 MiB
 * resident for good.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PGliteTemplate {
  /** A cleanly shut down data directory, to copy for a new embedded database. */
  directory: string;
}

/** Made beside the package by `npm install` and the build (scripts/build-pglite-template.mjs). */
const PACKAGE_TEMPLATES = fileURLToPath(new URL('../../pglite-template/', import.meta.url));
/**
 * Where a first start makes one when the package's directory is read-only (a global install):
 * per user, because a database copied from a directory another local user could write to would
 * carry whatever they planted in it (a trigger on the users table, say).
 */
const TMP_TEMPLATES = join(tmpdir(), `latchkey-pglite-template-${process.getuid?.() ?? 'user'}`);
const INITDB_SCRIPT = fileURLToPath(new URL('../../bin/pglite-initdb.js', import.meta.url));

/**
 * A data directory only opens with the Postgres build that made it, so a template belongs to
 * one PGlite version: an upgrade makes a new one instead of failing to start.
 */
function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  // The package's exports do not list package.json; its entry sits in dist/, one level down.
  const pkg = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

function templateIn(root: string, version: string): PGliteTemplate {
  return { directory: join(root, `pglite-${version}`, 'pgdata') };
}

const complete = (t: PGliteTemplate) => existsSync(join(t.directory, 'PG_VERSION'));

/** The temp root is trusted only if this user owns it and nobody else may write to it. */
function ownTmpRoot(): boolean {
  mkdirSync(TMP_TEMPLATES, { recursive: true, mode: 0o700 });
  const stat = statSync(TMP_TEMPLATES);
  return (process.getuid === undefined || stat.uid === process.getuid()) && (stat.mode & 0o022) === 0;
}

/**
 * The template for the installed PGlite: the package's, else one made earlier in the temp
 * directory, else a new one (a child process runs initdb: seconds, and its memory is returned
 * when it exits).
 */
export async function pgliteTemplate(): Promise<PGliteTemplate> {
  const version = pgliteVersion();
  const inPackage = templateIn(PACKAGE_TEMPLATES, version);
  const inTmp = templateIn(TMP_TEMPLATES, version);
  if (complete(inPackage)) return inPackage;
  let lastError: unknown;
  try {
    if (ownTmpRoot() && complete(inTmp)) return inTmp;
  } catch (error) {
    lastError = error;
  }
  for (const [candidate, usable] of [
    [inPackage, () => (mkdirSync(PACKAGE_TEMPLATES, { recursive: true }), true)],
    [inTmp, ownTmpRoot],
  ] as const) {
    try {
      if (!usable()) throw new Error(`${TMP_TEMPLATES} is not this user's alone`);
      await runInitdb(dirname(candidate.directory));
      if (complete(candidate)) return candidate;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`could not make the embedded database's template: ${String(lastError)}`);
}

/** Builds the template into `target` in a child process. */
function runInitdb(target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Baseline-compiled WebAssembly, as in the server (db/pglite.ts): initdb measured 730 → 617
    // MiB peak, and faster (22 → 14 s on a loaded 2-core machine).
    const flags = ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];
    const child = spawn(process.execPath, [...flags, INITDB_SCRIPT, target], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`initdb child exited ${signal ?? code}: ${stderr.trim().slice(-2000)}`)),
    );
  });
}
