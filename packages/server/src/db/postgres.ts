/**
 * The Postgres backend of db/database.ts: a pool of `pg` connections on one server (or several
 * hosts, libpq's way: db/host-client.ts), in Latchkey's schema. Imported by openDatabase only for
 * a `postgres://` URL, so the embedded default does not load pg.
 */
import pg from 'pg';
import type { Database, OpenOptions, Queryable, Transactional } from './database.js';
import { isDatabaseUnavailable } from './unavailable.js';
import { hostRouting, isHostFailure } from './host-client.js';
import { parsePostgresUrl } from './hosts.js';

function lockKey(name: string): string {
  // A stable 63-bit key per lock name, so unrelated applications' advisory locks do not collide.
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`latchkey:${name}`)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0x7fffffffffffffffn;
  }
  return hash.toString();
}

/** The statements of one pooled connection, and transactions on it. */
function onClient(client: pg.PoolClient, queryTimeout?: number): Transactional {
  const conn: Transactional = {
    async query<R>(sql: string, params?: readonly unknown[], name?: string) {
      // pg honours a per-query `query_timeout` (its types do not declare it).
      const config = { text: sql, values: params as unknown[] | undefined, name, query_timeout: queryTimeout } as pg.QueryConfig;
      return (await client.query(config)).rows as R[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      await conn.query('BEGIN');
      try {
        const result = await fn(conn);
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
  };
  return conn;
}

/** A day: what "no client-side limit" means for maintenance statements (pg reads 0 as "the default"). */
const NO_QUERY_TIMEOUT = 86_400_000;

export async function openPostgres(url: string, schema: string, options: OpenOptions): Promise<Database> {
  const timeoutMs = options.timeoutMs;
  const settings = [`search_path=${schema}`];
  // Bounded waits (issue #12): a stalled row or database answers 503 within timeoutMs instead of
  // holding the request (and the client's retry) hostage. The server cancels the statement, so
  // its locks go too; a cancelled rotation never commits, so its token stays the active one.
  if (timeoutMs !== undefined) settings.push(`statement_timeout=${timeoutMs}`, `idle_in_transaction_session_timeout=${10 * timeoutMs}`);
  // Safe for the refresh contract: a lost commit leaves tokens ahead of the database, which
  // rotate() accepts (store/sessions.ts). Other writes (sign-ups, revocations) can be lost too.
  if (options.synchronousCommit === false) settings.push('synchronous_commit=off');
  // Which host each new connection goes to (one host: always that one).
  const routing = hostRouting(parsePostgresUrl(url));
  const pool = new pg.Pool({
    Client: routing.Client,
    max: options.poolSize ?? 16,
    // Every connection resolves unqualified table names in Latchkey's schema.
    options: settings.map((setting) => `-c ${setting}`).join(' '),
    // Both the wait for a free connection and a new connection's handshake (per host tried).
    connectionTimeoutMillis: timeoutMs ?? 10_000,
    // A server that vanished (a network black hole) cannot cancel its statement: the client
    // gives up a little after the server would have.
    query_timeout: timeoutMs === undefined ? undefined : timeoutMs + 1000,
    // A dead peer on an idle connection is found in seconds (libuv probes every second after
    // the idle time), not after the kernel's two hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', () => {});

  /**
   * Runs `fn` until it gets past connecting. Only a failed connection attempt is tried again
   * (its statement was never sent, so nothing runs twice), and at most once per host: a host
   * that refused moved new connections to the next one (db/host-client.ts), so after a failover
   * the first call already lands on the new primary instead of answering 503.
   */
  async function onSomeHost<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= routing.hostCount || !isHostFailure(error)) throw error;
      }
    }
  }
  const connect = () => onSomeHost(() => pool.connect());

  const database: Database = {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[], name?: string) {
      // pool.query releases its connection with the error of a failed statement, so a
      // connection that hit a read-only server (25006, a 503 for the client) is never kept.
      const result = await onSomeHost(() => pool.query({ text: sql, values: params as unknown[] | undefined, name }));
      return result.rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await connect();
      let broken: Error | undefined;
      try {
        return await onClient(client).transaction(fn);
      } catch (error) {
        // A connection whose statement timed out on the client may still be busy, and one that
        // reached a read-only server would fail again: never reuse it. One that only saw an
        // application error (a unique violation, a coded refusal) was rolled back and is fine.
        if (isDatabaseUnavailable(error)) broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async withLock<T>(name: string, fn: (conn: Transactional) => Promise<T>) {
      const client = await connect();
      const conn = onClient(client, NO_QUERY_TIMEOUT);
      try {
        await conn.query('SET statement_timeout = 0');
        await conn.query('SELECT pg_advisory_lock($1::bigint)', [lockKey(name)]);
        try {
          return await fn(conn);
        } finally {
          await conn.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name)]);
        }
      } finally {
        // Not back to the pool with its timeout lifted: a fresh connection takes its place.
        client.release(true);
      }
    },
    async ifUnlocked<T>(name: string, fn: (conn: Queryable) => Promise<T>) {
      // Per schema: two deployments sharing a database purge their own tables independently.
      const key = lockKey(`${schema}:${name}`);
      const client = await connect();
      const conn = onClient(client);
      let broken = false;
      try {
        // A session-level lock, tried and never waited for: a process that finds it taken skips
        // the work. Not a transaction-level lock, so each statement of `fn` commits on its own
        // and holds its row locks only for that statement (a batch of the purge, never a refresh).
        const [row] = await conn.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
        if (!row?.locked) return undefined;
        try {
          return { value: await fn(conn) };
        } finally {
          await conn.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {
            broken = true;
          });
        }
      } catch (error) {
        // A statement that timed out may leave the connection busy; closing it also ends the lock.
        broken = true;
        throw error;
      } finally {
        client.release(broken);
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };

  try {
    await database.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((error: { code?: string }) => {
      // Two processes creating the schema at once: one wins, the other sees a unique violation.
      if (error.code !== '23505' && error.code !== '42P06') throw error;
    });
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return database;
}
