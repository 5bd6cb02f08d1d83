/**
 * The embedded database's template (issue #17): a data directory fresh out of initdb, made once
 * per installed PGlite version by a child process (bin/pglite-initdb.js), so that a first start
 * copies files instead of running initdb in the server process. initdb in PGlite peaks at
 * ~700 MiB (a second Postgres instance and copies of its heap and data directory), and
 * WebAssembly memory never shrinks: run in the server it left a first start at ~780 MiB
 * resident for good.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
/** Where a first start makes one when the package's directory is read-only (a global install). */
const TMP_TEMPLATES = join(tmpdir(), 'latchkey-pglite-template');
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

/**
 * The template for the installed PGlite: the package's, else one made earlier in the temp
 * directory, else a new one (a child process runs initdb: seconds, and its memory is returned
 * when it exits).
 */
export async function pgliteTemplate(): Promise<PGliteTemplate> {
  const version = pgliteVersion();
  const candidates = [PACKAGE_TEMPLATES, TMP_TEMPLATES].map((root) => templateIn(root, version));
  const found = candidates.find(complete);
  if (found) return found;
  let lastError: unknown;
  for (const [i, root] of [PACKAGE_TEMPLATES, TMP_TEMPLATES].entries()) {
    try {
      mkdirSync(root, { recursive: true });
      await runInitdb(dirname(candidates[i]!.directory));
      if (complete(candidates[i]!)) return candidates[i]!;
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
