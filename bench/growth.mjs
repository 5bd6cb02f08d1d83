#!/usr/bin/env node
/**
 * Growth curves (issue #17): how Latchkey's refresh throughput and latency grow with clients, and
 * whether its memory stays flat over time under load. Each curve is a table here and an SVG chart
 * in bench/results/ (BENCHMARKS.md shows them).
 *
 *   node bench/growth.mjs [--clients 1,4,16,64,128,256] [--seconds 5] [--soak-minutes 10] [--soak-clients 16]
 *                         [--skip clients|soak]
 *
 * - clients: Latchkey and the sign-only ceiling (HTTP + one ES256 signature, no storage) at each
 *   level, interleaved, so the ratio to the ceiling is from one run;
 * - soak: Latchkey under a steady load for --soak-minutes, its resident memory and throughput
 *   sampled every 30 s: a leak shows as a rising line, a warm server as a flat one.
 *
 * Needs a built tree and Postgres (LATCHKEY_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startContender } from './lib/contenders.mjs';
import { assertBuilt, rssMiB } from './lib/latchkey.mjs';
import { runLoad } from './lib/load.mjs';
import { dropSchemas, postgresVersion } from './lib/postgres.mjs';
import { int, machineLine, ms, ratio, table } from './lib/report.mjs';
import { lineChart } from './lib/svg-plot.mjs';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,4,16,64,128,256' },
    seconds: { type: 'string', default: '5' },
    'soak-minutes': { type: 'string', default: '10' },
    'soak-clients': { type: 'string', default: '16' },
    skip: { type: 'string', default: '' },
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
} finally {
  await Promise.all(started.map((c) => c.stop().catch(() => undefined)));
  await dropSchemas(started.map((c) => c.schema).filter(Boolean));
}
