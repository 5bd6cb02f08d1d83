#!/usr/bin/env node
/**
 * Refresh-grant throughput and latency over HTTP: Latchkey against its peers, in one run.
 *
 *   node bench/refresh.mjs [--concurrency 1,16,64] [--seconds 10] [--rounds 2] [--sessions 256]
 *                          [--contenders latchkey,oidc-pg,oidc-memory,naive,sign-only] [--race 50] [--json out.json]
 *
 * Every contender is its own server process; this process is the load generator (N keep-alive
 * clients, each owning its own sessions). Contenders are measured interleaved — round 1 in order,
 * round 2 in reverse, and so on — so a burst of background load hits all of them alike; rounds
 * are merged. Peers (bench/lib/contenders.mjs):
 *
 *   oidc-pg      node-oidc-provider, rotateRefreshToken, ES256 JWT access tokens, on a Postgres
 *                adapter of equal care (bench/peers/oidc-postgres-adapter.mjs)
 *   oidc-memory  the same on its in-memory store: no database at all
 *   naive        read-then-write rotation on Postgres (bench/peers/naive.mjs)
 *   sign-only    not a peer but a ceiling: HTTP + one ES256 signature per response, no storage
 *
 * Before the load, the race: --race N requests present one token at once; Latchkey must hand
 * out one successor, a read-then-write server hands out several (live branches of one session).
 *
 * Printed per level: req/s, p50, p99, errors, Latchkey/peer ratios, and the CPU each party used
 * (bench/lib/measure.mjs), with CPU µs per refresh — the steadiest figure on a shared machine.
 *
 * Needs a built tree (npx tsc -b packages/server) and Postgres (LATCHKEY_BENCH_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONTENDERS, startContender } from './lib/contenders.mjs';
import { assertBuilt } from './lib/latchkey.mjs';
import { mergeRuns } from './lib/load.mjs';
import { measure } from './lib/measure.mjs';
import { dropSchemas, postgresVersion } from './lib/postgres.mjs';
import { race } from './lib/race.mjs';
import { int, loadLine, machineLine, ms, pct, ratio, table, usPer } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,16,64' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    sessions: { type: 'string', default: '256' },
    contenders: { type: 'string', default: 'latchkey,oidc-pg,oidc-memory,naive,sign-only' },
    race: { type: 'string', default: '50' },
    json: { type: 'string' },
  },
});
const levels = values.concurrency.split(',').map(Number);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const names = values.contenders.split(',');
// Enough sessions that every client owns several, at the highest level.
const sessions = Math.max(Number(values.sessions), Math.max(...levels) * 2);
if (!names.includes('latchkey')) throw new Error('latchkey must be one of the contenders: ratios are against it');
assertBuilt();

console.log(`# Refresh grant: Latchkey vs peers, one run`);
console.log(machineLine(`, Postgres ${await postgresVersion()} (same machine)`));
console.log(`${sessions} sessions per contender, ${rounds} round(s) × ${seconds / rounds}s per contender and level, interleaved\n`);

const contenders = [];
try {
  for (const name of names) {
    // One extra session for the race, kept out of the load.
    const c = await startContender(name, { sessions: sessions + 1 });
    c.raceToken = c.tokens.pop();
    contenders.push(c);
  }

  // --- the race --------------------------------------------------------------------------
  const raceResults = {};
  if (Number(values.race) > 0) {
    console.log(`## ${values.race} parallel refreshes of one token`);
    const rows = [];
    for (const c of contenders.filter((x) => !x.ceiling)) {
      const r = await race(c, c.raceToken, Number(values.race));
      raceResults[c.name] = r;
      const verdict =
        r.successors === 1 && r.live === 1
          ? 'converges on one successor'
          : r.successors > 1
            ? `FORKED: ${r.live} live branches of one session`
            : 'session lost: nothing live afterwards';
      rows.push([
        c.label,
        Object.entries(r.statuses)
          .map(([s, n]) => `${n}×${s}`)
          .join(' '),
        r.successors,
        r.live,
        verdict,
      ]);
    }
    console.log(table(['server', 'answers', 'distinct successors', 'live afterwards', 'verdict'], rows));
    console.log();
  }

  // --- throughput and latency ---------------------------------------------------------------
  const results = {};
  for (const concurrency of levels) {
    const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
    const cpus = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const c of order) {
        const r = await measure(c, { concurrency, seconds: seconds / rounds, warmupSeconds: Number(values.warmup) });
        runs[c.name].push(r);
        cpus[c.name].push(r.cpu);
      }
    }
    results[concurrency] = {};
    for (const c of contenders) {
      const merged = mergeRuns(runs[c.name]);
      const cpu = Object.fromEntries(
        Object.keys(cpus[c.name][0]).map((k) => [k, cpus[c.name].reduce((a, x) => a + x[k], 0) / cpus[c.name].length]),
      );
      delete merged.latencies;
      results[concurrency][c.name] = { ...merged, cpu };
    }
    const lk = results[concurrency].latchkey;
    console.log(`## ${concurrency} concurrent client(s)   (${loadLine()})`);
    console.log(
      table(
        [
          'server',
          'req/s',
          'p50 ms',
          'p99 ms',
          'errors',
          'Latchkey/peer req/s',
          'peer/Latchkey p99',
          'server CPU',
          'its pg backends',
          'all postgres',
          'load gen',
          'machine',
          'server µs/req',
          'event loop µs/req',
          'pg µs/req',
        ],
        contenders.map((c) => {
          const r = results[concurrency][c.name];
          return [
            c.label,
            int(r.rps),
            ms(r.p50),
            ms(r.p99),
            r.errors ? `${r.errors} (${JSON.stringify(r.statuses)})` : 0,
            c.name === 'latchkey' ? '—' : ratio(lk.rps, r.rps),
            c.name === 'latchkey' ? '—' : ratio(r.p99, lk.p99),
            pct(r.cpu.server),
            c.name === 'oidc-memory' || c.ceiling ? '—' : pct(r.cpu.backends),
            pct(r.cpu.postgres),
            pct(r.cpu.loadgen),
            pct(r.cpu.machine),
            usPer(r.cpu.server, r.rps),
            usPer(r.cpu.loop, r.rps),
            c.name === 'oidc-memory' || c.ceiling ? '—' : usPer(r.cpu.backends, r.rps),
          ];
        }),
      ),
    );
    console.log(
      'CPU columns: percent of one core (200% = the whole machine; "machine" includes everything else running). µs/req: CPU time per refresh — steadier than req/s on a shared machine; "event loop" is the server main thread alone, which caps what one process can do (1 s / that).',
    );
    for (const c of contenders)
      if (results[concurrency][c.name].sampleError) console.log(`  ${c.name} first error: ${results[concurrency][c.name].sampleError}`);
    console.log();
  }

  // --- the targets ------------------------------------------------------------------
  const top = Math.max(...levels);
  const lk = results[top].latchkey;
  const mem = results[top]['oidc-memory'];
  console.log(`## Targets (issue #7) at ${top} clients`);
  console.log(`- ≥ 4,000 refreshes/s: ${int(lk.rps)}/s → ${lk.rps >= 4000 ? 'met' : 'MISSED'}`);
  console.log(`- p99 < 25 ms: ${ms(lk.p99)} ms → ${lk.p99 < 25 ? 'met' : 'MISSED'}`);
  console.log(`- zero errors: ${lk.errors} → ${lk.errors === 0 ? 'met' : 'MISSED'}`);
  if (mem)
    console.log(
      `- ahead of node-oidc-provider in memory: ${ratio(lk.rps, mem.rps)} its throughput → ${lk.rps > mem.rps ? 'met' : 'MISSED'}`,
    );
  if (raceResults.latchkey)
    console.log(
      `- one successor under a ${values.race}-way race: ${raceResults.latchkey.successors} → ${raceResults.latchkey.successors === 1 ? 'met' : 'MISSED'}`,
    );

  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify({ machine: machineLine(), sessions, seconds, rounds, race: raceResults, results, labels: CONTENDERS }, null, 2),
    );
} finally {
  await Promise.all(contenders.map((c) => c.stop()));
  await dropSchemas(contenders.map((c) => c.schema).filter(Boolean));
}
