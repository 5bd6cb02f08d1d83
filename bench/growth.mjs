#!/usr/bin/env node
/**
 * Growth curves (issue #17): how Latchkey's refresh throughput and latency grow with clients, and
 * whether its memory stays flat over time under load. Each curve is a table here and an SVG chart
 * in bench/results/ (BENCHMARKS.md shows them).
 *
 *   node bench/growth.mjs [--clients 1,4,16,64,128,256] [--seconds 5] [--soak-minutes 10] [--soak-clients 16]
 *                         [--live 1000,10000,100000,1000000,10000000] [--live-clients 64] [--skip clients,soak,live]
 *
 * - clients: Latchkey and the sign-only ceiling (HTTP + one ES256 signature, no storage) at each
 *   level, interleaved, so the ratio to the ceiling is from one run;
 * - soak: Latchkey under a steady load for --soak-minutes, its resident memory and throughput
 *   sampled every 30 s: a leak shows as a rising line, a warm server as a flat one;
 * - live: refreshes/s and p99 against the number of live sessions in the table (--live sizes,
 *   seeded by Postgres: bench/lib/seed.mjs, 10 per user), the load on 1,000 of them spread over
 *   the whole table. Each size is measured interleaved with a reference deployment of 1,000
 *   sessions that stays up throughout, so every point is also a ratio from one window of time;
 *   the server's resident memory is taken after each size's load. Use a database of its own for
 *   the largest sizes (LATCHKEY_BENCH_DATABASE_URL=…/latchkey_scale: 10 M sessions are ~4 GB).
 *
 * Needs a built tree and Postgres (LATCHKEY_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startContender } from './lib/contenders.mjs';
import { assertBuilt, latchkeyProtocol, rssMiB } from './lib/latchkey.mjs';
import { mergeRuns, runLoad } from './lib/load.mjs';
import { measure } from './lib/measure.mjs';
import { liveSessionNumbers, refreshEach, seededDeployment } from './lib/seed.mjs';
import { dropSchemas, postgresVersion } from './lib/postgres.mjs';
import { int, machineLine, ms, ratio, table, usPer } from './lib/report.mjs';
import { lineChart } from './lib/svg-plot.mjs';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,4,16,64,128,256' },
    seconds: { type: 'string', default: '5' },
    'soak-minutes': { type: 'string', default: '10' },
    'soak-clients': { type: 'string', default: '16' },
    skip: { type: 'string', default: '' },
    live: { type: 'string', default: '1000,10000,100000,1000000,10000000' },
    'live-clients': { type: 'string', default: '64' },
    out: { type: 'string', default: new URL('./results/', import.meta.url).pathname },
  },
});
assertBuilt();
const levels = values.clients.split(',').map(Number);
const seconds = Number(values.seconds);
const skip = new Set(values.skip.split(',').filter(Boolean));
mkdirSync(values.out, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const chart = (name, svg) => {
  const file = `${values.out}growth-${name}.svg`;
  writeFileSync(file, svg);
  console.log(`chart: ${file}`);
};

console.log(`# Growth curves (${stamp})`);
console.log(machineLine(`, Postgres ${await postgresVersion()} (same machine)`));

const load = (c, concurrency, secs) =>
  runLoad({
    targets: c.targets,
    tokens: c.tokens,
    concurrency,
    seconds: secs,
    warmupSeconds: 1,
    request: c.protocol.request,
    successor: c.protocol.successor,
  });

const started = [];
try {
  if (!skip.has('clients')) {
    const sessions = Math.max(...levels) * 2;
    const latchkey = await startContender('latchkey', { sessions });
    const ceiling = await startContender('sign-only', { sessions });
    started.push(latchkey, ceiling);
    const rows = [];
    for (const level of levels) {
      // Interleaved: the ceiling right after Latchkey at the same level, so both see the same machine.
      const lk = await load(latchkey, level, seconds);
      const top = await load(ceiling, level, seconds);
      rows.push({ level, lk, top });
    }
    console.log('\n## Refresh throughput and p99 against clients\n');
    console.log(
      table(
        ['clients', 'Latchkey req/s', 'p50 ms', 'p99 ms', 'errors', 'ceiling req/s', 'ceiling p99 ms', 'Latchkey/ceiling'],
        rows.map(({ level, lk, top }) => [
          level,
          int(lk.rps),
          ms(lk.p50),
          ms(lk.p99),
          lk.errors,
          int(top.rps),
          ms(top.p99),
          ratio(lk.rps, top.rps),
        ]),
      ),
    );
    chart(
      'clients-throughput',
      lineChart({
        title: 'Refreshes per second against concurrent clients',
        xLabel: 'concurrent clients (log scale)',
        yLabel: 'refreshes/s',
        logX: true,
        series: [
          { name: 'Latchkey (Postgres)', points: rows.map((r) => [r.level, r.lk.rps]) },
          { name: 'ceiling: HTTP + ES256, no storage', points: rows.map((r) => [r.level, r.top.rps]) },
        ],
      }),
    );
    chart(
      'clients-p99',
      lineChart({
        title: 'Refresh p99 latency against concurrent clients',
        xLabel: 'concurrent clients (log scale)',
        yLabel: 'p99 ms',
        logX: true,
        series: [
          { name: 'Latchkey (Postgres)', points: rows.map((r) => [r.level, r.lk.p99]) },
          { name: 'ceiling: HTTP + ES256, no storage', points: rows.map((r) => [r.level, r.top.p99]) },
        ],
      }),
    );
    await Promise.all([latchkey.stop(), ceiling.stop()]);
  }

  if (!skip.has('soak')) {
    const minutes = Number(values['soak-minutes']);
    const clients = Number(values['soak-clients']);
    const latchkey = await startContender('latchkey', { sessions: clients * 8 });
    started.push(latchkey);
    const pid = latchkey.pids[0];
    const samples = [{ t: 0, rss: await rssMiB(pid), rps: 0, p99: 0, errors: 0 }];
    const windows = Math.max(1, Math.round((minutes * 60) / 30));
    for (let i = 1; i <= windows; i++) {
      const r = await load(latchkey, clients, 30);
      samples.push({ t: i * 0.5, rss: await rssMiB(pid), rps: r.rps, p99: r.p99, errors: r.errors });
      process.stderr.write(`soak: ${i}/${windows} windows\r`);
    }
    console.log(`\n## Memory and throughput over ${minutes} minutes of ${clients} clients refreshing\n`);
    console.log(
      table(
        ['minute', 'RSS MiB', 'refreshes/s', 'p99 ms', 'errors'],
        samples.map((s) => [s.t.toFixed(1), s.rss.toFixed(1), int(s.rps), ms(s.p99), s.errors]),
      ),
    );
    const after = samples.slice(2).map((s) => s.rss);
    if (after.length > 1)
      console.log(`RSS from minute 1 to the end: ${Math.min(...after).toFixed(1)}–${Math.max(...after).toFixed(1)} MiB`);
    chart(
      'soak-memory',
      lineChart({
        title: `Server memory over ${minutes} minutes of refresh load (${clients} clients)`,
        xLabel: 'minutes',
        yLabel: 'resident MiB',
        series: [{ name: 'Latchkey RSS', points: samples.map((s) => [s.t, s.rss]) }],
      }),
    );
  }
  if (!skip.has('live')) {
    const sizes = values.live.split(',').map(Number);
    const clients = Number(values['live-clients']);
    const LOAD = 1000;
    const seedOf = (size) => ({ users: Math.max(100, Math.floor(size / 10)), sessions: size, liveEvery: 1 });
    const log = (line) => process.stderr.write(`${line}\n`);
    // The reference: 1,000 live sessions, up for the whole section.
    const reference = await seededDeployment({ tag: 'liveref', ...seedOf(LOAD), log });
    const refTokens = reference.tokensFor(liveSessionNumbers(LOAD, 1, LOAD));
    await refreshEach(reference.server.url, refTokens);
    const view = (d, tokens) => ({ targets: [d.server.url], tokens, pids: [d.server.pid], protocol: latchkeyProtocol });
    const rows = [];
    try {
      for (const size of sizes) {
        const t0 = performance.now();
        const d = await seededDeployment({ tag: 'live', ...seedOf(size), log });
        const seeded = (performance.now() - t0) / 1000;
        try {
          const tokens = d.tokensFor(liveSessionNumbers(size, 1, Math.min(LOAD, size)));
          // Each load session rotated once: a seeded page is packed full (see refreshEach).
          await refreshEach(d.server.url, tokens);
          const runs = { size: [], ref: [] };
          for (let round = 0; round < 2; round++) {
            const order = round === 0 ? ['size', 'ref'] : ['ref', 'size'];
            for (const which of order) {
              const v = which === 'size' ? view(d, tokens) : view(reference, refTokens);
              runs[which].push(await measure(v, { concurrency: clients, seconds: seconds }));
            }
          }
          const [m, ref] = [mergeRuns(runs.size), mergeRuns(runs.ref)];
          const pgUs = runs.size.reduce((a, r) => a + r.cpu.backends, 0) / runs.size.length;
          const rss = await rssMiB(d.server.pid);
          rows.push({ size, seeded, m, ref, pgUs: usPer(pgUs, m.rps), rss });
          log(`live ${size}: ${int(m.rps)} req/s (reference ${int(ref.rps)}), p99 ${ms(m.p99)} ms, RSS ${rss.toFixed(1)} MiB`);
        } finally {
          await d.stop();
        }
      }
    } finally {
      await reference.stop();
    }
    console.log(`\n## Refresh throughput and p99 against live sessions (${clients} clients, load on ${LOAD} of them)\n`);
    console.log(
      table(
        [
          'live sessions',
          'seeded in s',
          'req/s',
          'p50 ms',
          'p99 ms',
          'errors',
          'reference req/s',
          'reference p99 ms',
          'req/s vs reference',
          'p99 vs reference',
          'Postgres µs/req',
          'server RSS MiB',
        ],
        rows.map(({ size, seeded, m, ref, pgUs, rss }) => [
          int(size),
          seeded.toFixed(0),
          int(m.rps),
          ms(m.p50),
          ms(m.p99),
          m.errors,
          int(ref.rps),
          ms(ref.p99),
          ratio(m.rps, ref.rps),
          ratio(m.p99, ref.p99),
          pgUs,
          rss.toFixed(1),
        ]),
      ),
    );
    chart(
      'live-throughput',
      lineChart({
        title: `Refreshes per second against live sessions (${clients} clients)`,
        xLabel: 'live sessions in the table (log scale)',
        yLabel: 'refreshes/s',
        logX: true,
        series: [
          { name: 'Latchkey', points: rows.map((r) => [r.size, r.m.rps]) },
          { name: 'reference (1,000 live, same window)', points: rows.map((r) => [r.size, r.ref.rps]) },
        ],
      }),
    );
    chart(
      'live-p99',
      lineChart({
        title: `Refresh p99 against live sessions (${clients} clients)`,
        xLabel: 'live sessions in the table (log scale)',
        yLabel: 'p99 ms',
        logX: true,
        series: [
          { name: 'Latchkey', points: rows.map((r) => [r.size, r.m.p99]) },
          { name: 'reference (1,000 live, same window)', points: rows.map((r) => [r.size, r.ref.p99]) },
        ],
      }),
    );
  }
} finally {
  await Promise.all(started.map((c) => c.stop().catch(() => undefined)));
  await dropSchemas(started.map((c) => c.schema).filter(Boolean));
}
