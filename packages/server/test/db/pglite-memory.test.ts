/**
 * Guards issue #17: the embedded default's resident memory, measured on the real `latchkey serve`
 * process. A first start used to run initdb in the server and stay at ~780 MiB; `memory` at
 * ~740 MiB. Today ~150 MiB and ~195 MiB (BENCHMARKS.md, bench/memory.mjs --embedded). The bounds
 * are loose enough for a loaded machine and tight enough that initdb back in the server process,
 * PGlite's tarball loader for `memory`, or shared_buffers back at 128MB together with TurboFan
 * tier-up would fail them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteTemplate } from '../../src/db/pglite-template.js';
import { refresh, signUp } from '../helpers.js';
import { startProcess } from '../spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-pglite-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function residentMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Starts `latchkey serve` on `database`, and returns its RSS once listening and after a sign-up and a refresh. */
async function measure(database: string): Promise<{ listening: number; afterWork: number }> {
  const server = await startProcess({}, ['--database', database]);
  try {
    const listening = residentMiB(server.child.pid!);
    const tokens = await signUp(server);
    expect((await refresh(server.authUrl, tokens.refresh_token)).status).toBe(200);
    return { listening, afterWork: residentMiB(server.child.pid!) };
  } finally {
    await server.stop();
  }
}

describe.runIf(process.platform === 'linux')('embedded database memory (issue #17)', () => {
  it('a first start, a restart and --database memory stay far below their old resident sizes', async () => {
    // Made once per PGlite version (normally by npm install); the server would otherwise make it
    // in a child process first, which this test does not measure.
    await pgliteTemplate();
    const data = join(dir, 'data');
    for (const [database, bound] of [
      [data, 250], // first start: was ~780 MiB
      [data, 250], // restart: was ~330 MiB
      ['memory', 300], // was ~740 MiB
    ] as const) {
      const { listening, afterWork } = await measure(database);
      expect(listening, `${database}: RSS once listening`).toBeLessThan(bound);
      expect(afterWork, `${database}: RSS after a sign-up and a refresh`).toBeLessThan(bound);
    }
  }, 180_000);
});
