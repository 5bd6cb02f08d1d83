/**
 * The benchmark database: one Postgres server (same machine), one throwaway schema per server
 * under test, dropped at the end, so runs never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DATABASE_URL = process.env.LATCHKEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name, e.g. `bench_lk_1a2b3c4d`. */
export function schemaName(tag) {
  return `bench_${tag}_${randomBytes(4).toString('hex')}`;
}

/** Runs `fn` with one short-lived connection (search_path set to `schema` when given). */
export async function withPg(fn, schema) {
  const client = new pg.Client({ connectionString: DATABASE_URL, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchemas(names) {
  if (!names.length) return;
  await withPg(async (c) => {
    for (const name of names) await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  });
}

export async function postgresVersion() {
  return withPg(async (c) => (await c.query('SHOW server_version')).rows[0].server_version);
}

/**
 * The Postgres backend pids serving the given client processes: their sockets to the server
 * (from /proc/<pid>/fd and /proc/net/tcp) matched with pg_stat_activity's client ports.
 */
export async function backendPidsFor(clientPids) {
  const { readdirSync, readlinkSync, readFileSync } = await import('node:fs');
  const inodes = new Set();
  for (const pid of clientPids) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {}
    }
  }
  const pgPort = Number(new URL(DATABASE_URL).port || 5432);
  const ports = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = parseInt(cols[1].split(':')[1], 16);
      const remote = parseInt(cols[2].split(':')[1], 16);
      if (remote === pgPort && inodes.has(cols[9])) ports.add(local);
    }
  }
  if (!ports.size) return [];
  return withPg(async (c) => {
    const rows = (await c.query('SELECT pid, client_port FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [[...ports]])).rows;
    return rows.map((r) => r.pid);
  });
}

/** Row-level counters of the tables in `schema` (pg_stat_user_tables): updates, inserts, index scans. */
export async function tableCounters(schema) {
  return withPg(async (c) => {
    const rows = (
      await c.query(
        `SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, coalesce(idx_scan, 0) AS idx_scan, seq_scan
           FROM pg_stat_user_tables WHERE schemaname = $1`,
        [schema],
      )
    ).rows;
    return Object.fromEntries(
      rows.map((r) => [
        r.relname,
        Object.fromEntries(
          Object.entries(r)
            .filter(([k]) => k !== 'relname')
            .map(([k, v]) => [k, Number(v)]),
        ),
      ]),
    );
  });
}
