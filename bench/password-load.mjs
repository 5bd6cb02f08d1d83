#!/usr/bin/env node
/**
 * Refresh latency under password load: password sign-ins keep argon2id (m = 19 MiB, t = 2,
 * hashed on libuv's thread pool) saturated while refreshes run; refresh p99 must stay < 50 ms.
 * The peer is the same server without the password load, measured in the same run (interleaved
 * over rounds): the ratio is what the sign-ins cost the refreshes.
 *
 *   node bench/password-load.mjs [--concurrency 16,64] [--password-clients 8] [--threadpool 4]
 *                                [--seconds 10] [--rounds 2]
 *
 * --password-clients keep-alive clients sign in with the right password back to back (8 keep the
 * server's hash queue full). --threadpool: one server process per UV_THREADPOOL_SIZE, all on one
 * deployment (4 is Node's default). Before the server capped hashing itself (crypto/hash-queue.ts:
 * min(cores − 1, pool threads − 1)), a pool of 1 stood in for that cap; now it only takes the
 * pool's spare thread away, so the default measures 4 alone.
 */
import { parseArgs } from 'node:util';
import { startContender } from './lib/contenders.mjs';
import { connection } from './lib/http1.mjs';
import { assertBuilt, emailFor, PASSWORD, signUpSessions, startLatchkey } from './lib/latchkey.mjs';
import { mergeRuns } from './lib/load.mjs';
import { measure } from './lib/measure.mjs';
import { dropSchemas, postgresVersion } from './lib/postgres.mjs';
import { int, loadLine, machineLine, ms, pct, percentile, ratio, table } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16,64' },
    'password-clients': { type: 'string', default: '8' },
    threadpool: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    sessions: { type: 'string', default: '256' },
  },
});
const levels = values.concurrency.split(',').map(Number);
const passwordClients = Number(values['password-clients']);
const pools = values.threadpool.split(',').map(Number);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
assertBuilt();

console.log('# Refresh p99 under password (argon2id) load');
console.log(machineLine(`, Postgres ${await postgresVersion()} (same machine)`));
console.log(`${passwordClients} password clients; ${rounds} round(s) × ${seconds / rounds}s per condition, interleaved\n`);

// The first server (Node's default thread pool of 4) makes the deployment and the sessions.
const lk = await startContender('latchkey', {
  sessions: Math.max(Number(values.sessions), Math.max(...levels) * 2),
  env: { UV_THREADPOOL_SIZE: '4' },
});
const servers = new Map([[4, lk.servers[0]]]);
for (const size of pools)
  if (!servers.has(size)) servers.set(size, await startLatchkey({ schema: lk.schema, env: { UV_THREADPOOL_SIZE: String(size) } }));
const signInTag = `${lk.schema}-pw`;
await signUpSessions(lk.servers[0].authUrl, passwordClients, signInTag);

/** Password sign-ins back to back until stopped; latencies recorded while measuring. */
function passwordLoad(target) {
  const state = { measuring: false, stop: false, latencies: [], errors: 0, started: 0, ended: 0 };
  const loops = Array.from({ length: passwordClients }, async (_, i) => {
    const conn = connection(target);
    const body = JSON.stringify({ email: emailFor(signInTag, i), password: PASSWORD });
    while (!state.stop) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok =
          (await conn.request('POST', '/auth/v1/token?grant_type=password', { 'content-type': 'application/json' }, body)).status === 200;
      } catch {}
      if (state.measuring) {
        state.latencies.push(performance.now() - t0);
        if (!ok) state.errors++;
      }
    }
    conn.close();
  });
  return {
    begin() {
      state.measuring = true;
      state.started = performance.now();
    },
    end() {
      state.measuring = false;
      state.ended = performance.now();
    },
    async finish() {
      state.stop = true;
      await Promise.all(loops);
      return state;
    },
  };
}

const cpuOf = (runs) => Object.fromEntries(Object.keys(runs[0].cpu).map((k) => [k, runs.reduce((a, r) => a + r.cpu[k], 0) / runs.length]));

try {
  const rows = [];
  for (const concurrency of levels) {
    // Conditions: no password load (the peer), then password load on each thread-pool size.
    const conditions = [{ size: 4, passwords: false }, ...pools.map((size) => ({ size, passwords: true }))];
    for (const c of conditions) Object.assign(c, { runs: [], signIns: [] });
    for (let round = 0; round < rounds; round++) {
      for (const c of round % 2 === 0 ? conditions : [...conditions].reverse()) {
        const server = servers.get(c.size);
        const view = { ...lk, targets: [server.url], pids: [server.pid] };
        if (!c.passwords) {
          c.runs.push(await measure(view, { concurrency, seconds: seconds / rounds }));
          continue;
        }
        const pw = passwordLoad(server.url);
        // Let the argon2 queue fill first; sign-ins are counted over the refreshes' window.
        await new Promise((r) => setTimeout(r, 500));
        c.runs.push(await measure(view, { concurrency, seconds: seconds / rounds, onStart: pw.begin, onEnd: pw.end }));
        c.signIns.push(await pw.finish());
      }
    }
    const quiet = mergeRuns(conditions[0].runs);
    for (const c of conditions) {
      const m = mergeRuns(c.runs);
      const cpu = cpuOf(c.runs);
      const pwLat = c.signIns.flatMap((s) => s.latencies).sort((a, b) => a - b);
      const pwSeconds = c.signIns.reduce((a, s) => a + (s.ended - s.started) / 1000, 0);
      rows.push([
        concurrency,
        c.passwords ? `${passwordClients} clients` : 'none',
        c.passwords ? c.size : '—',
        int(m.rps),
        ms(m.p50),
        ms(m.p99),
        m.errors + c.signIns.reduce((a, s) => a + s.errors, 0),
        c.passwords ? ratio(m.p99, quiet.p99) : '—',
        c.passwords ? int(pwLat.length / pwSeconds) : '—',
        c.passwords ? ms(percentile(pwLat, 0.5)) : '—',
        pct(cpu.server),
        pct(cpu.machine),
        m.p99 < 50 ? 'yes' : 'NO',
      ]);
    }
  }
  console.log(`(${loadLine()})`);
  console.log(
    table(
      [
        'refresh clients',
        'password load',
        'UV_THREADPOOL_SIZE',
        'refresh req/s',
        'refresh p50 ms',
        'refresh p99 ms',
        'errors',
        'p99 with/without',
        'sign-ins/s',
        'sign-in p50 ms',
        'server CPU',
        'machine',
        'p99 < 50 ms',
      ],
      rows,
    ),
  );
  console.log("\nsign-ins/s: password sign-ins completed per second during the refreshes' window (each one argon2id verify).");
  console.log('server CPU includes the argon2 threads (percent of one core; 200% = the whole machine).');
} finally {
  await Promise.all([...servers.values()].filter((s) => s !== lk.servers[0]).map((s) => s.stop()));
  await lk.stop();
  await dropSchemas([lk.schema]);
}
