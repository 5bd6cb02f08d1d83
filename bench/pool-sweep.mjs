#!/usr/bin/env node
/**
 * The database side of a refresh: Latchkey's pool size (LATCHKEY_DB_POOL_SIZE 4, 8, 16, 32), TCP
 * against a Unix socket to Postgres, and the ceiling — Latchkey's rotation statement alone,
 * driven straight from this process through a pg pool (no HTTP, no JWT), the most any server
 * doing this statement per refresh could reach on this machine; once more with
 * synchronous_commit = off, to price the WAL flush each rotation waits for.
 * Plus one configuration row that is not about the database: LATCHKEY_LOG_LEVEL=info, the
 * default (a JSON line per request), against the benchmarks' warn.
 *
 *   node bench/pool-sweep.mjs [--pools 4,8,16,32] [--concurrency 64] [--seconds 10] [--rounds 2] [--socket /var/run/postgresql]
 *
 * Each variant is its own `latchkey serve` process on one shared deployment (schema); variants
 * are interleaved over rounds. The statement of the ceiling is the single-row compare-and-set,
 * one statement per refresh: Latchkey's form before rotation batches (store/sessions.ts now sends
 * the same compare-and-set for many sessions in one statement), kept as the reference point that
 * batching is measured against.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startContender } from './lib/contenders.mjs';
import { startCpu, postgresPids } from './lib/cpu.mjs';
import { assertBuilt, latchkeyProtocol, signUpSessions, startLatchkey } from './lib/latchkey.mjs';
import { mergeRuns, loadResult } from './lib/load.mjs';
import { measure } from './lib/measure.mjs';
import { DATABASE_URL, dropSchemas, postgresVersion } from './lib/postgres.mjs';
import { int, loadLine, machineLine, ms, pct, ratio, table, usPer } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    pools: { type: 'string', default: '4,8,16,32' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    socket: { type: 'string', default: '/var/run/postgresql' },
  },
});
const pools = values.pools.split(',').map(Number);
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
assertBuilt();

const socketUrl = (() => {
  if (!existsSync(`${values.socket}/.s.PGSQL.${new URL(DATABASE_URL).port || 5432}`)) return undefined;
  const u = new URL(DATABASE_URL);
  return `postgresql://${u.username}@${encodeURIComponent(values.socket)}${u.port ? `:${u.port}` : ''}${u.pathname}`;
})();

console.log('# Database side: pool size, socket, and the statement alone');
console.log(machineLine(`, Postgres ${await postgresVersion()} (same machine)`));
console.log(`${concurrency} clients, ${rounds} round(s) × ${seconds / rounds}s per variant, interleaved\n`);

// One deployment; the first process (pool 16) migrates and makes the sessions.
const base = await startContender('latchkey', { sessions: Math.max(256, concurrency * 2), poolSize: 16 });
// The statement-alone rows rotate sessions of their own: the HTTP variants' tokens stay valid.
const sqlSessions = (await signUpSessions(base.servers[0].authUrl, Math.max(256, concurrency * 2), `${base.schema}-sql`)).map((s) =>
  sessionIdOf(s.refresh_token),
);
const variants = [];
try {
  for (const pool of pools) {
    const server = pool === 16 ? base.servers[0] : await startLatchkey({ schema: base.schema, poolSize: pool });
    variants.push({ label: `Latchkey, pool ${pool}${pool === 16 ? ' (default)' : ''}, TCP`, server, pool });
  }
  if (socketUrl) {
    const server = await startLatchkey({ schema: base.schema, poolSize: 16, database: socketUrl });
    variants.push({ label: 'Latchkey, pool 16, Unix socket', server, pool: 16 });
  }
  {
    const server = await startLatchkey({ schema: base.schema, poolSize: 16, env: { LATCHKEY_LOG_LEVEL: 'info' } });
    variants.push({ label: 'Latchkey, pool 16, TCP, LATCHKEY_LOG_LEVEL=info (default)', server, pool: 16 });
  }
  variants.push({ label: 'rotation statement alone, pool 16, TCP (ceiling)', sql: DATABASE_URL });
  if (socketUrl) variants.push({ label: 'rotation statement alone, pool 16, Unix socket', sql: socketUrl });
  variants.push({ label: 'rotation statement alone, pool 16, TCP, synchronous_commit=off', sql: DATABASE_URL, asyncCommit: true });

  const runs = new Map(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
      if (v.sql) runs.get(v).push(await statementAlone(v.sql, base.schema, sqlSessions, 16, v.asyncCommit));
      else
        runs
          .get(v)
          .push(
            await measure(
              { ...base, targets: [v.server.url], pids: [v.server.pid], protocol: latchkeyProtocol },
              { concurrency, seconds: seconds / rounds },
            ),
          );
    }
  }
  const def = mergeRuns(runs.get(variants.find((v) => v.server === base.servers[0]) ?? variants[0]));
  console.log(`(${loadLine()})`);
  console.log(
    table(
      [
        'variant',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'vs pool 16',
        'server CPU',
        'its pg backends',
        'all postgres',
        'load gen',
        'machine',
        'server µs/req',
        'pg µs/req',
      ],
      variants.map((v) => {
        const rs = runs.get(v);
        const m = mergeRuns(rs);
        const cpu = Object.fromEntries(Object.keys(rs[0].cpu).map((k) => [k, rs.reduce((a, r) => a + r.cpu[k], 0) / rs.length]));
        return [
          v.label,
          int(m.rps),
          ms(m.p50),
          ms(m.p99),
          m.errors,
          ratio(m.rps, def.rps),
          v.sql ? '—' : pct(cpu.server),
          v.label.includes('Unix') ? '(not attributable)' : pct(cpu.backends),
          pct(cpu.postgres),
          pct(cpu.loadgen),
          pct(cpu.machine),
          v.sql ? '—' : usPer(cpu.server, m.rps),
          v.label.includes('Unix') ? '—' : usPer(v.sql ? cpu.postgres : cpu.backends, m.rps),
        ];
      }),
    ),
  );
  console.log('\nThe statement-alone rows run the pg client in this process: its CPU is in "load gen".');
} finally {
  await Promise.all(variants.filter((v) => v.server && v.server !== base.servers[0]).map((v) => v.server.stop()));
  await base.stop();
  await dropSchemas([base.schema]);
}

/** The session a Latchkey refresh token names: base64url(version ‖ session id ‖ counter ‖ MAC). */
function sessionIdOf(token) {
  const hex = Buffer.from(token, 'base64url').subarray(1, 17).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Latchkey's compare-and-set rotation, straight through a pg pool: `concurrency` workers, each
 * owning its sessions, for the same measured time. Returns what measure() returns.
 */
async function statementAlone(url, schema, ids, poolSize, asyncCommit = false) {
  const client = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c search_path=${schema}${asyncCommit ? ' -c synchronous_commit=off' : ''}`,
  });
  const sessions = (await client.query('SELECT id, counter FROM sessions WHERE id = ANY($1::uuid[])', [ids])).rows.map((r) => ({
    id: r.id,
    counter: Number(r.counter),
  }));
  const USER_COLUMNS =
    'u.id, u.aud, u.role, u.email, u.phone, u.encrypted_password, u.email_confirmed_at, u.last_sign_in_at, u.raw_app_meta_data, u.raw_user_meta_data, u.banned_until, u.is_anonymous, u.created_at, u.updated_at';
  const SESSION_COLUMNS =
    's.id AS session_id, s.counter AS session_counter, s.aal AS session_aal, s.amr AS session_amr, s.created_at AS session_created_at, s.refreshed_at AS session_refreshed_at, s.revoked_at AS session_revoked_at';
  const text = `UPDATE sessions s
        SET counter = s.counter + 1, refreshed_at = $3, user_agent = $6, ip = $7
       FROM users u
      WHERE s.id = $1 AND s.counter = $2 AND s.revoked_at IS NULL
        AND u.id = s.user_id AND (u.banned_until IS NULL OR u.banned_until <= $3)
        AND ($4::timestamptz IS NULL OR s.created_at > $4)
        AND ($5::timestamptz IS NULL OR s.refreshed_at > $5)
    RETURNING ${SESSION_COLUMNS}, ${USER_COLUMNS}`;
  let measuring = false;
  let stop = false;
  let errors = 0;
  const latencies = [];
  const workers = Array.from({ length: concurrency }, async (_, w) => {
    const owned = sessions.filter((_, i) => i % concurrency === w);
    let turn = 0;
    while (!stop) {
      const s = owned[turn++ % owned.length];
      const t0 = performance.now();
      const r = await client.query({ name: 'bench_rotate', text, values: [s.id, s.counter, new Date(), null, null, 'bench', '127.0.0.1'] });
      const ok = r.rows.length === 1;
      if (ok) s.counter++;
      if (measuring) {
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  const cpu = startCpu({ server: [], backends: [], postgres: postgresPids });
  measuring = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, (seconds / rounds) * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpuResult = cpu.stop();
  stop = true;
  await Promise.all(workers);
  await client.end();
  return { ...loadResult({ latencies, seconds: elapsed, errors }), cpu: { ...cpuResult, backends: NaN } };
}
