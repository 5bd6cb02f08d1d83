/**
 * Opens PGlite, the embedded database (a directory, or `memory`), sized for one small process
 * (issue #17: the quick start has to fit a 512 MB container). Measured with bench/memory.mjs
 * --embedded; the numbers are in BENCHMARKS.md.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { MemoryFS as MemoryFSType, PGlite } from '@electric-sql/pglite';
import { pgliteTemplate } from './pglite-template.js';

/**
 * Postgres settings for every start, after PGlite's own (`PGlite.defaultStartParams`: single-user
 * mode, no parallel workers, …), which passing `startParams` replaces. Command-line settings win
 * over postgresql.conf, so directories made before these settings get them too.
 */
const MEMORY_SETTINGS = [
  // PGlite allocates shared memory inside its WebAssembly heap and touches all of it at start,
  // so shared_buffers is resident from the first second: initdb's 128MB default cost ~110 MiB
  // RSS (a restart measured 290 → 180 MiB). Pages that miss Postgres's buffers are still
  // served from the OS page cache (a data directory) or from memory (`memory`); the hot rows of
  // the deployments the embedded database is for (sessions, users) fit in 2,048 pages.
  'shared_buffers=16MB',
  // A WebAssembly heap never shrinks: whatever one CREATE INDEX or VACUUM takes stays resident
  // until the process exits. A bigger sort spills to temporary files: slower, never wrong.
  'maintenance_work_mem=16MB',
];

let baselineOnly = false;

/**
 * Keeps PGlite's WebAssembly (the 9 MB Postgres module) on V8's baseline compiler, Liftoff. By
 * default V8 recompiles the functions that get hot with TurboFan on background threads, and that
 * cost ~60 MiB resident that never came back (the optimized code, and most likely compiler memory
 * that those threads' malloc arenas keep: MALLOC_ARENA_MAX=1 alone saved ~25 MiB): a restart measured ~210 → ~150 MiB, under a refresh load
 * ~250 → ~190 MiB. Refresh throughput on the embedded database did not move beyond the noise
 * (194/s both at 16 clients, 200 vs 242/s at 1, interleaved, BENCHMARKS.md): its time goes to
 * HTTP, crypto and JS, not to Postgres's executor. Both flags are read when a module is compiled,
 * so setting them before PGlite compiles its module is enough. They apply to the whole process,
 * in which PGlite is the only WebAssembly (argon2 is a native addon on the platforms it ships
 * binaries for). Not a heap limit: nothing is capped.
 */
function keepWasmOnBaselineCompiler(): void {
  if (baselineOnly) return;
  baselineOnly = true;
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}

/** PGlite's own start parameters, which are not in its type declarations. */
function defaultStartParams(PGliteClass: typeof PGlite): string[] {
  const params = (PGliteClass as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  // Without them Postgres would not start in single-user mode: fail loudly on a PGlite that
  // renamed them rather than start a server with different semantics.
  if (!Array.isArray(params) || !params.includes('--single')) throw new Error('PGlite.defaultStartParams not found: unsupported @electric-sql/pglite version');
  return params as string[];
}

/**
 * Opens the embedded database in `directory` (its files in `<directory>/pgdata`), or in memory
 * when `directory` is undefined. A new database starts as a copy of the template
 * (db/pglite-template.ts) instead of running initdb in this process.
 */
export async function createPGlite(directory: string | undefined): Promise<PGlite> {
  keepWasmOnBaselineCompiler();
  const { PGlite: PGliteClass, MemoryFS } = await import('@electric-sql/pglite');
  const startParams = [...defaultStartParams(PGliteClass), ...MEMORY_SETTINGS.flatMap((setting) => ['-c', setting])];
  if (directory === undefined) {
    const template = await pgliteTemplate();
    return PGliteClass.create({ fs: templateInMemory(MemoryFS, template.directory), startParams });
  }
  const dataDir = join(directory, 'pgdata');
  // Only a missing or empty directory gets the template; anything else is an existing database
  // (or the remains of a failed start, which PGlite's own initdb deals with, as before).
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) {
    const template = await pgliteTemplate();
    // Copied beside it and renamed into place: a start killed mid-copy leaves no half database.
    const partial = `${dataDir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(template.directory, partial, { recursive: true });
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(partial, dataDir);
  }
  return PGliteClass.create(dataDir, { startParams });
}

/** Where PGlite's Postgres finds its data directory, inside its own file system. */
const PGDATA = '/pglite/data';

/** Emscripten's file system calls used to fill the in-memory one. */
interface EmscriptenFS {
  mkdirTree(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
}

/**
 * PGlite's in-memory file system, holding a copy of the template's data directory before
 * Postgres starts: PGlite then finds a database and resumes it. Its own way in, `loadDataDir`,
 * takes a tarball and keeps ~100 MiB of transient copies (the gzip, the tar, its entries) that
 * glibc does not give back to the OS (measured: 340 MiB resident for `memory`, against ~250
 * MiB this way). Here each file is read and copied once.
 */
function templateInMemory(MemoryFSClass: typeof MemoryFSType, template: string): MemoryFSType {
  class TemplateMemoryFS extends MemoryFSClass {
    override async init(...args: Parameters<MemoryFSType['init']>) {
      const { emscriptenOpts } = await super.init(...args);
      const fill = (mod: { FS: EmscriptenFS }) => copyInto(mod.FS, template, PGDATA);
      return { emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), fill] } };
    }
  }
  return new TemplateMemoryFS();
}

function copyInto(fs: EmscriptenFS, from: string, to: string): void {
  fs.mkdirTree(to);
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    if (statSync(source).isDirectory()) copyInto(fs, source, `${to}/${name}`);
    else fs.writeFile(`${to}/${name}`, readFileSync(source));
  }
}
