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
 * Idle at start: just after start-up (0.5 s of quiet, no request served). Idle after seeding: once
 * the sessions exist (Latchkey's come from real sign-ups, so argon2id — 19 MiB per hash, 4 at
 * a time on libuv's pool — has run: glibc keeps much of that memory) and 2 s of quiet. Under load: sampled every 100 ms; the peak and
 * the value at the end are printed.
 */
import { parseArgs } from 'node:util';
import { startContender } from './lib/contenders.mjs';
import { assertBuilt, rssMiB } from './lib/latchkey.mjs';
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
  },
});
assertBuilt();
const names = values.contenders.split(',');
const mib = (v) => `${v.toFixed(1)} MiB`;

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
