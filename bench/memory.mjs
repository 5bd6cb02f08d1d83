#!/usr/bin/env node
/**
 * Memory: resident set size (VmRSS, /proc/<pid>/status) of each server process at idle and under
 * a refresh load of 1 client, Latchkey against the peers of bench/refresh.mjs, in one run.
 *
 *   node bench/memory.mjs [--seconds 10] [--concurrency 1] [--contenders latchkey,oidc-pg,oidc-memory,naive]
 *
 * A second Latchkey row runs with MALLOC_MMAP_THRESHOLD_=131072: glibc then serves argon2's
 * 19 MiB blocks with mmap and returns them on free, instead of raising its threshold after the
 * first free and keeping the memory in its heap (--no-malloc-variant to skip).
 *
 *   node bench/memory.mjs --embedded [--seconds 10] [--sessions 16]
 *
 * --embedded (issue #17): `latchkey serve` on its embedded database instead, in three cases run in
 * this order: a first start on an empty directory, a restart on that directory, `--database
 * memory`. For each: the time until it listens, RSS once it listens, the peak during start-up
 * (sampled every 25 ms, the server *and its child processes*: the template of a new database is
 * made by one), RSS after 2 s of quiet, then the peak and the end of a refresh load. With
 * LATCHKEY_BENCH_BASELINE=<checkout>/packages/server/bin/latchkey.js the baseline build runs each
 * case too, right after this build's: before and after in one run.
 *
 * Idle at start: just after start-up (0.5 s of quiet, no request served). Idle after seeding: once
 * the sessions exist (Latchkey's come from real sign-ups, so argon2id — 19 MiB per hash, 4 at
 * a time on libuv's pool — has run: glibc keeps much of that memory) and 2 s of quiet. Under load: sampled every 100 ms; the peak and
 * the value at the end are printed.
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startContender } from './lib/contenders.mjs';
import { assertBuilt, latchkeyProtocol, rssMiB, signUpSessions, startLatchkey, treeRssMiB } from './lib/latchkey.mjs';
import { runLoad } from './lib/load.mjs';
import { dropSchemas } from './lib/postgres.mjs';
import { int, machineLine, ratio, table } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
    sessions: { type: 'string', default: '64' },
    contenders: { type: 'string', default: 'latchkey,oidc-pg,oidc-memory,naive' },
    'no-malloc-variant': { type: 'boolean', default: false },
    embedded: { type: 'boolean', default: false },
  },
});
assertBuilt();
const names = values.contenders.split(',');
const mib = (v) => `${v.toFixed(1)} MiB`;
if (values.embedded) {
  await embedded();
  process.exit(0);
}

console.log('# Server memory (RSS): idle and under refresh load');
console.log(machineLine());
const contenders = [];
try {
  for (const name of names) {
    contenders.push(await startContender(name, { sessions: Number(values.sessions) }));
    if (name === 'latchkey' && !values['no-malloc-variant']) {
      contenders.push(
        await startContender('latchkey', {
          sessions: Number(values.sessions),
          env: { MALLOC_MMAP_THRESHOLD_: '131072' },
          label: 'Latchkey, MALLOC_MMAP_THRESHOLD_=131072',
        }),
      );
    }
  }
  await new Promise((r) => setTimeout(r, 2000));
  const out = [];
  for (const c of contenders) {
    const pid = c.pids[0];
    const idle = await rssMiB(pid);
    let peak = idle;
    const timer = setInterval(async () => (peak = Math.max(peak, await rssMiB(pid))), 100);
    const r = await runLoad({
      targets: c.targets,
      tokens: c.tokens,
      concurrency: Number(values.concurrency),
      seconds: Number(values.seconds),
      request: c.protocol.request,
      successor: c.protocol.successor,
    });
    clearInterval(timer);
    const end = await rssMiB(pid);
    out.push({ c, start: c.rssAtStart, idle, peak: Math.max(peak, end), end, r });
  }
  const lk = out.find((o) => o.c.name === 'latchkey');
  const isLatchkey = (o) => o.c.name === 'latchkey';
  console.log(
    table(
      [
        'server',
        'idle at start',
        'idle after seeding',
        `peak under load ${values.concurrency}`,
        'end of load',
        'refreshes done',
        'errors',
        'Latchkey/peer at start',
        'Latchkey/peer peak',
      ],
      out.map((o) => [
        o.c.label,
        mib(o.start),
        mib(o.idle),
        mib(o.peak),
        mib(o.end),
        int(o.r.requests),
        o.r.errors,
        isLatchkey(o) ? '—' : ratio(lk.start, o.start),
        isLatchkey(o) ? '—' : ratio(lk.peak, o.peak),
      ]),
    ),
  );
} finally {
  await Promise.all(contenders.map((c) => c.stop()));
  await dropSchemas(contenders.map((c) => c.schema).filter(Boolean));
}

/** One `latchkey serve` on an embedded database, measured from spawn to the end of its load. */
async function embeddedCase(build, database) {
  let pid;
  let peak = 0;
  const sample = async () => {
    if (pid) peak = Math.max(peak, await treeRssMiB(pid));
  };
  const timer = setInterval(sample, 25);
  const t0 = performance.now();
  const server = await startLatchkey({ schema: 'latchkey', database, bin: build.bin, onSpawn: (child) => (pid = child.pid) });
  try {
    const startSeconds = (performance.now() - t0) / 1000;
    await sample();
    const startPeak = peak;
    const atStart = await rssMiB(pid);
    await new Promise((r) => setTimeout(r, 2000));
    const quiet = await rssMiB(pid);
    const tokens = (await signUpSessions(server.authUrl, Number(values.sessions), `embedded-${process.pid}-${Date.now()}`)).map((t) => t.refresh_token);
    peak = 0;
    const r = await runLoad({
      targets: [server.url],
      tokens,
      concurrency: Number(values.concurrency),
      seconds: Number(values.seconds),
      request: latchkeyProtocol.request,
      successor: latchkeyProtocol.successor,
    });
    const end = await rssMiB(pid);
    return { startSeconds, atStart, startPeak, quiet, loadPeak: Math.max(peak, end), end, r };
  } finally {
    clearInterval(timer);
    await server.stop();
  }
}

async function embedded() {
  const builds = [{ label: 'this build', bin: undefined }];
  if (process.env.LATCHKEY_BENCH_BASELINE) builds.push({ label: 'baseline', bin: process.env.LATCHKEY_BENCH_BASELINE });
  console.log('# Embedded database (PGlite) memory: first start, restart, memory');
  console.log(machineLine());
  const dirs = builds.map(() => mkdtempSync(join(tmpdir(), 'latchkey-bench-embedded-')));
  const rows = [];
  try {
    for (const [name, database] of [
      ['first start, empty dir', (i) => join(dirs[i], 'data')],
      ['restart, same dir', (i) => join(dirs[i], 'data')],
      ['--database memory', () => 'memory'],
    ]) {
      for (const [i, build] of builds.entries()) {
        const m = await embeddedCase(build, database(i));
        rows.push([
          build.label,
          name,
          `${m.startSeconds.toFixed(1)} s`,
          mib(m.atStart),
          mib(m.startPeak),
          mib(m.quiet),
          mib(m.loadPeak),
          mib(m.end),
          int(m.r.requests),
          m.r.errors,
        ]);
      }
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  const headers = ['build', 'database', 'start', 'RSS once listening', 'peak during start (with children)', 'after 2 s quiet'];
  headers.push(`peak under load ${values.concurrency}`, 'end of load', 'refreshes done', 'errors');
  console.log(table(headers, rows));
}
