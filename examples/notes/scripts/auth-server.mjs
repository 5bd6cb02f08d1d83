#!/usr/bin/env node
/**
 * `latchkey serve`, run as a child of the demo that cannot outlive it. The demo spawns this with
 * an IPC channel; when the channel closes — the demo exited, crashed or was killed with SIGKILL,
 * which no signal handler sees — the server stops itself the normal way (SIGTERM: drain, close
 * the database, exit). Arguments are passed to the latchkey CLI unchanged.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

if (typeof process.send !== 'function') {
  process.stderr.write('auth-server.mjs: run by the demo (scripts/demo.mjs), with an IPC channel\n');
  process.exit(2);
}
process.on('disconnect', () => {
  // Our output went to the demo through pipes that are now closed: writing there must not crash
  // the shutdown (EPIPE) before the server has closed its database and released its directory.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  process.kill(process.pid, 'SIGTERM');
});

const require = createRequire(import.meta.url);
const bin = join(dirname(require.resolve('@latchkey/server/package.json')), 'bin', 'latchkey.js');
await import(pathToFileURL(bin).href);
