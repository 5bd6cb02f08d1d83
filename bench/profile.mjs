#!/usr/bin/env node
/**
 * Where a refresh's time goes.
 *
 *   node bench/profile.mjs [--concurrency 64] [--seconds 10] [--keep-profile]
 *
 * 1. CPU profile: `latchkey serve` under `node --cpu-prof`, at --concurrency clients for
 *    --seconds; prints self time per function, time per bucket (Latchkey code, pg, zod, Node
 *    internals, GC, …) and inclusive time of Latchkey's own functions.
 * 2. Work per refresh, Latchkey against the Postgres peers: database round trips and statements
 *    (a counting proxy in front of Postgres: bench/lib/pg-proxy.mjs), node:crypto operations (a
 *    preloaded counter: bench/lib/count-crypto.mjs), and for Latchkey the row operations
 *    Postgres recorded (pg_stat_user_tables).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startContender } from './lib/contenders.mjs';
import { summarize } from './lib/cpuprofile.mjs';
import { connection } from './lib/http1.mjs';
import { assertBuilt } from './lib/latchkey.mjs';
import { measure } from './lib/measure.mjs';
import { diffCounts, startPgProxy } from './lib/pg-proxy.mjs';
import { DATABASE_URL, dropSchemas, tableCounters } from './lib/postgres.mjs';
import { int, loadLine, machineLine, ms, pct, table } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    refreshes: { type: 'string', default: '1600' },
    'keep-profile': { type: 'boolean', default: false },
  },
});
assertBuilt();
console.log('# Profile of the refresh path');
console.log(machineLine());

// --- 1. CPU profile -----------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'latchkey-prof-'));
const profiled = await startContender('latchkey', { sessions: 256, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
let r;
let from;
let to;
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
try {
  r = await measure(profiled, {
    concurrency: Number(values.concurrency),
    seconds: Number(values.seconds),
    warmupSeconds: 2,
    onStart: () => (from = monotonicMicros()),
    onEnd: () => (to = monotonicMicros()),
  });
} finally {
  await profiled.stop(); // SIGTERM: the server drains and exits, and V8 writes the profile
  await dropSchemas([profiled.schema]);
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
// Only the measured window: not start-up, sign-ups, warm-up or shutdown.
const s = summarize(join(dir, file), { from, to });
console.log(`\n## CPU profile at ${values.concurrency} clients (${loadLine()})`);
console.log(
  `${int(r.rps)} refreshes/s, p99 ${ms(r.p99)} ms (slower than unprofiled); server ${pct(r.cpu.server)} CPU; busy ${int(s.busyMs)} of ${int(s.totalMs)} ms of the measured window (the rest idle: waiting for I/O)`,
);
console.log('\n### By bucket (self time, % of busy)');
console.log(
  table(
    ['bucket', 'ms', '% busy'],
    s.buckets.map((b) => [b.bucket, int(b.ms), `${b.pct.toFixed(1)}%`]),
  ),
);
console.log('\n### Top functions by self time');
console.log(
  table(
    ['function', 'ms', '% busy'],
    s.self.map((f) => [f.key, int(f.ms), `${f.pct.toFixed(1)}%`]),
  ),
);
console.log("\n### Latchkey's functions, inclusive time (callees included)");
console.log(
  table(
    ['function', 'ms', '% busy'],
    s.inclusive.slice(0, 20).map((f) => [f.key, int(f.ms), `${f.pct.toFixed(1)}%`]),
  ),
);
if (values['keep-profile']) console.log(`\nprofile kept: ${join(dir, file)} (open in Chrome DevTools → Performance, or speedscope)`);
else rmSync(dir, { recursive: true, force: true });

// --- 2. Work per refresh ----------------------------------------------------------------------
const proxy = await startPgProxy(DATABASE_URL);
const counter = fileURLToPath(new URL('./lib/count-crypto.mjs', import.meta.url));
const work = [];
for (const name of ['latchkey', 'oidc-pg', 'naive']) {
  const out = join(tmpdir(), `latchkey-crypto-${process.pid}-${name}.json`);
  process.env.LATCHKEY_BENCH_CRYPTO_OUT = out;
  const c = await startContender(name, {
    sessions: 64,
    database: proxy.url,
    nodeArgs: ['--import', counter],
    env: { LATCHKEY_BENCH_CRYPTO_OUT: out },
  });
  const cryptoNow = async () => {
    // The preloaded counter writes its counts on SIGUSR2.
    process.kill(c.pids[0], 'SIGUSR2');
    await new Promise((res) => setTimeout(res, 200));
    return JSON.parse(readFileSync(out, 'utf8'));
  };
  let stopped = false;
  try {
    // Warm: every pooled connection has prepared its statements.
    const warm = await refreshN(c, 16, 320);
    const db0 = proxy.snapshot();
    const cr0 = await cryptoNow();
    const done = await refreshN(c, 16, Number(values.refreshes));
    const db = diffCounts(db0, proxy.snapshot());
    const cr1 = await cryptoNow();
    const cryptoOps = Object.fromEntries(
      Object.keys(cr1)
        .map((k) => [k, (cr1[k] - (cr0[k] ?? 0)) / done])
        .filter(([, v]) => v > 0),
    );
    let rowOps;
    if (name === 'latchkey') {
      // Backends report their table counters when they exit (otherwise up to seconds later):
      // stop the server, then read the counters of the whole run (warm-up included).
      await c.stop();
      stopped = true;
      await new Promise((res) => setTimeout(res, 500));
      const t = (await tableCounters(c.schema)).sessions;
      rowOps = { updates: t.n_tup_upd / (warm + done), hot: t.n_tup_hot_upd / (warm + done) };
    }
    work.push({ c, done, db, cryptoOps, rowOps });
  } finally {
    if (!stopped) await c.stop();
    if (c.schema) await dropSchemas([c.schema]);
    rmSync(out, { force: true });
  }
}
await proxy.close();

const per = (v, n) => (v / n).toFixed(2);
console.log(`\n## Work per refresh (${values.refreshes} refreshes, 16 clients, after warm-up)`);
console.log(
  table(
    ['server', 'round trips', 'Parse (P)', 'Bind/Execute', 'simple queries (Q)', 'node:crypto calls per refresh'],
    work.map((w) => [
      w.c.label,
      per(w.db.roundTrips, w.done),
      per(w.db.P ?? 0, w.done),
      `${per(w.db.B ?? 0, w.done)}/${per(w.db.E ?? 0, w.done)}`,
      per(w.db.Q ?? 0, w.done),
      Object.entries(w.cryptoOps)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', '),
    ]),
  ),
);
const lkWork = work.find((w) => w.c.name === 'latchkey');
if (lkWork?.rowOps) {
  console.log(
    `\nLatchkey, sessions table (pg_stat_user_tables): ${lkWork.rowOps.updates.toFixed(2)} row updates per refresh, ${lkWork.rowOps.hot.toFixed(2)} of them HOT (no index touched).`,
  );
}
console.log(
  '\nnode:crypto calls are synchronous calls into OpenSSL on the event loop (sign = one ECDSA P-256 signature, createHmac = one HMAC-SHA-256); jose may use WebCrypto (subtle.*) instead.',
);

/** `total` refreshes by `clients` clients, each on its own sessions; returns how many succeeded. */
async function refreshN(c, clients, total) {
  let ok = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      const conn = connection(c.targets[0]);
      const owned = c.tokens.map((_, i) => i).filter((i) => i % clients === w);
      let turn = 0;
      while (next < total) {
        next++;
        const slot = owned[turn++ % owned.length];
        const q = c.protocol.request(c.tokens[slot]);
        const a = await conn.request(q.method, q.path, q.headers, q.body);
        const successor = c.protocol.successor(a.status, a.body);
        if (successor) {
          c.tokens[slot] = successor;
          ok++;
        }
      }
      conn.close();
    }),
  );
  return ok;
}
