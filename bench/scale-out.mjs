#!/usr/bin/env node
/**
 * Scale-out: the refresh load of bench/refresh.mjs against 1, 2 and 3 Latchkey processes on one
 * Postgres, requests spread round-robin over the processes. Prints throughput, latency and errors
 * (must be 0: rotation is one compare-and-set, whatever process serves it) per process count,
 * the ratio to one process, and where the CPU went — the server processes, their Postgres
 * backends, all of Postgres, this load generator — to show where the bottleneck moves.
 *
 *   node bench/scale-out.mjs [--processes 1,2,3] [--concurrency 64] [--seconds 10] [--rounds 2]
 *
 * All processes join one deployment (one schema, same issuer, one secret key); for a count of n
 * the load goes to the first n. Counts are interleaved over rounds like bench/refresh.mjs.
 */
import { parseArgs } from 'node:util';
import { startContender } from './lib/contenders.mjs';
import { assertBuilt } from './lib/latchkey.mjs';
import { mergeRuns } from './lib/load.mjs';
import { measure } from './lib/measure.mjs';
import { dropSchemas, postgresVersion } from './lib/postgres.mjs';
import { int, loadLine, machineLine, ms, pct, ratio, table, usPer } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2,3' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    sessions: { type: 'string', default: '256' },
    pool: { type: 'string', default: '16' },
  },
});
const counts = values.processes.split(',').map(Number);
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
assertBuilt();

console.log('# Scale-out: Latchkey processes on one Postgres');
console.log(machineLine(`, Postgres ${await postgresVersion()} (same machine)`));
console.log(
  `${concurrency} clients, round-robin over the processes, pool ${values.pool} per process, ${rounds} round(s) × ${seconds / rounds}s per count\n`,
);

const lk = await startContender('latchkey', {
  sessions: Math.max(Number(values.sessions), concurrency * 2),
  processes: Math.max(...counts),
  poolSize: Number(values.pool),
});
try {
  const runs = Object.fromEntries(counts.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (const n of round % 2 === 0 ? counts : [...counts].reverse()) {
      const view = { ...lk, targets: lk.targets.slice(0, n), pids: lk.pids.slice(0, n) };
      runs[n].push(await measure(view, { concurrency, seconds: seconds / rounds }));
    }
  }
  const rows = [];
  let one;
  for (const n of counts) {
    const merged = mergeRuns(runs[n]);
    const cpu = Object.fromEntries(Object.keys(runs[n][0].cpu).map((k) => [k, runs[n].reduce((a, r) => a + r.cpu[k], 0) / runs[n].length]));
    one ??= merged;
    rows.push([
      n,
      int(merged.rps),
      ms(merged.p50),
      ms(merged.p99),
      merged.errors ? `${merged.errors} (${JSON.stringify(merged.statuses)})` : 0,
      ratio(merged.rps, one.rps),
      `${pct(cpu.server)} (${pct(cpu.server / n)} each)`,
      pct(cpu.backends),
      pct(cpu.postgres),
      pct(cpu.loadgen),
      pct(cpu.machine),
      usPer(cpu.server, merged.rps),
      usPer(cpu.backends, merged.rps),
    ]);
  }
  console.log(`## ${concurrency} clients   (${loadLine()})`);
  console.log(
    table(
      [
        'processes',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        `vs ${counts[0]} process`,
        'server CPU',
        'their pg backends',
        'all postgres',
        'load gen',
        'machine',
        'server µs/req',
        'pg µs/req',
      ],
      rows,
    ),
  );
  console.log('\nCPU: percent of one core (this machine has 2: 200% is all of it).');
} finally {
  await lk.stop();
  await dropSchemas([lk.schema]);
}
