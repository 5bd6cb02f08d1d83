#!/usr/bin/env node
/**
 * Makes the embedded database's template (issue #17): runs initdb once, in PGlite, and leaves in
 * <target> a freshly initialized, cleanly shut down data directory (`<target>/pgdata`).
 *
 *   node pglite-initdb.js <target>
 *
 * Started as a child process by src/db/pglite-template.ts (and by the build), never imported:
 * initdb is the embedded database's memory peak (~700 MiB measured, PGlite 0.5.16: a second
 * Postgres instance, a copy of its 128 MiB heap, the data directory in memory, a tarball of it),
 * and WebAssembly memory never shrinks. In a process of its own all of it goes back to the OS at
 * exit, and the server only ever copies the result. Plain JS (not in src/) so that tests running
 * the TypeScript sources can start it with plain node.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const target = process.argv[2];
if (!target) {
  console.error('usage: pglite-initdb.js <target directory>');
  process.exit(2);
}

// Built beside the target and renamed into place, so a reader never sees half a template and
// two first starts racing each other both end with a whole one.
const work = `${target}.tmp-${process.pid}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const pgdata = join(work, 'pgdata');

const db = await PGlite.create(pgdata, {
  // postgresql.conf gets the embedded server's shared_buffers (src/db/pglite.ts passes
  // it again on every start, so older directories get it too); initdb's own backends use it as
  // well, which keeps this process smaller.
  initDbStartParams: ['--set', 'shared_buffers=16MB'],
});
// close() shuts Postgres down cleanly (a shutdown checkpoint): the copy needs no recovery.
await db.close();

try {
  renameSync(work, target);
} catch (error) {
  // Another first start finished the same template first: keep theirs.
  rmSync(work, { recursive: true, force: true });
  if (!['ENOTEMPTY', 'EEXIST'].includes(/** @type {NodeJS.ErrnoException} */ (error).code ?? '')) throw error;
}

