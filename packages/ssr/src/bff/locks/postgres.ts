/**
 * A per-session lock on Postgres: a transaction-scoped advisory lock on a connection of your own
 * `pg` Pool, with expiry and fencing tokens.
 *
 * - Crash: the holder's connection closes, Postgres ends its transaction and frees the lock at
 *   once (no waiting for an expiry).
 * - Hang: the transaction runs with `idle_in_transaction_session_timeout = ttl`; a holder that
 *   stops talking for that long has its connection terminated by Postgres, which frees the lock.
 * - Waiting: `pg_advisory_xact_lock` blocks in the database (no polling) for at most `wait`
 *   (`lock_timeout`), then `lock_timeout` is raised.
 * - Fencing: each acquisition takes `nextval` of a sequence, larger than every earlier fence.
 *
 * A waiter holds a pool connection while it waits: size the pool for the sessions refreshing at
 * once in one process (the token handler sends one waiter per session per process).
 */
import { SsrError } from '../../errors.js';
import { quoteTable } from '../stores/postgres.js';
import type { SessionLock } from './types.js';

/** A connection checked out of a `pg` Pool. */
export interface PgConnectionLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** `pg`: `release(err)` with an error (or `true`) destroys the connection instead of reusing it. */
  release(destroy?: boolean | Error): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a `pg` Pool the lock uses. */
export interface PgPoolLike {
  connect(): Promise<PgConnectionLike>;
  /** `pg.Pool` exposes its options; `max` sizes the default `maxHolders`. */
  options?: { max?: number };
}

export interface PostgresLockOptions {
  /**
   * Milliseconds a holder may stay silent before Postgres ends its transaction (and the lock).
   * Default 8000; keep it below the auth server's refresh reuse interval (10 s by default).
   */
  ttl?: number;
  /** Milliseconds to wait for the lock before `lock_timeout`. Default `ttl` + 2000. */
  wait?: number;
  /** The fence sequence, optionally schema-qualified. Default `latchkey_bff_fence`. Created if missing. */
  sequence?: string;
  /**
   * How many leases this process may hold (or wait on) at once. Each holds a pool connection,
   * and the holder then needs another one for the store: with every connection held by a lock,
   * the store could never get one and the pool would deadlock. Default: half the pool's `max`
   * (pg's default max is 10), so the store always has connections left.
   */
  maxHolders?: number;
}

/** Postgres's SQLSTATE for a lock wait that hit `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * A lock per session on Postgres advisory locks.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
 * const bff = createTokenHandler({ authUrl, store: postgresStore(pool), lock: postgresLock(pool) });
 */
export function postgresLock(pool: PgPoolLike, options: PostgresLockOptions = {}): SessionLock {
  const where = 'postgresLock';
  if (!pool || typeof pool.connect !== 'function')
    throw new SsrError('invalid_argument', `${where}: pass a pg Pool (anything with connect()).`);
  const ttl = Math.ceil(options.ttl ?? 8_000);
  const wait = Math.ceil(options.wait ?? ttl + 2_000);
  if (!(ttl > 0) || !(wait > 0))
    throw new SsrError('invalid_argument', `${where}: \`ttl\` and \`wait\` must be positive numbers of milliseconds.`);
  const sequence = quoteTable(options.sequence ?? 'latchkey_bff_fence', where).sql;
  const maxHolders = Math.max(1, Math.floor(options.maxHolders ?? (pool.options?.max ?? 10) / 2));
  const slots = createSlots(maxHolders);
  let ready: Promise<void> | undefined;

  function setup(connection: PgConnectionLike): Promise<void> {
    // One implicit transaction, serialised across processes (see postgresStore's setup).
    ready ??= connection
      .query(
        `SELECT pg_advisory_xact_lock(hashtextextended('latchkey.bff.setup:${sequence.replace(/'/g, "''")}', 0));
         CREATE SEQUENCE IF NOT EXISTS ${sequence}`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          ready = undefined;
          throw error;
        },
      );
    return ready;
  }

  return {
    async acquire(key) {
      // A slot first (bounded by `wait`): never let locks take the connections the store needs.
      if (!(await slots.take(wait))) throw new SsrError('lock_timeout');
      let connection: PgConnectionLike;
      try {
        connection = await pool.connect();
      } catch (error) {
        slots.give();
        throw new SsrError('store_failed', 'The Postgres lock could not get a connection.', { cause: error });
      }
      // An idle-in-transaction time-out kills the connection while it is checked out; pg reports
      // that as an 'error' event, which must have a listener or it would crash the process.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost = error;
      };
      connection.on?.('error', onError);
      const dispose = (destroy: boolean | Error) => {
        connection.removeListener?.('error', onError);
        connection.release(destroy);
      };
      let fence: number;
      let acquiredAt: number;
      try {
        await setup(connection);
        await connection.query('BEGIN');
        await connection.query(`SELECT set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)`, [
          `${wait}ms`,
          `${ttl}ms`,
        ]);
        // 64-bit key from the session key; the prefix keeps it apart from other users of advisory locks.
        await connection.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`latchkey.bff:${key}`]);
        acquiredAt = Date.now();
        const { rows } = await connection.query(`SELECT nextval('${sequence.replace(/'/g, "''")}') AS fence`);
        fence = Number(rows[0]?.fence);
      } catch (error) {
        const timedOut = (error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE;
        await connection.query('ROLLBACK').catch(() => undefined);
        dispose(timedOut ? false : error instanceof Error ? error : true);
        slots.give();
        if (timedOut) throw new SsrError('lock_timeout');
        throw new SsrError('store_failed', 'The Postgres lock failed.', { cause: error });
      }
      let released = false;
      return {
        fence,
        // The idle time-out counts from the last statement, which ran after the lock was granted.
        validUntil: acquiredAt + ttl,
        async release() {
          if (released) return;
          released = true;
          try {
            if (lost) return dispose(lost);
            await connection.query('COMMIT'); // ends the transaction, and with it the advisory lock
            dispose(false);
          } catch (error) {
            dispose(error instanceof Error ? error : true);
          } finally {
            slots.give();
          }
        },
      };
    },
  };
}

/** A counting semaphore whose waits give up after a deadline. */
function createSlots(size: number) {
  let free = size;
  const waiters: Array<(granted: boolean) => void> = [];
  return {
    take(timeoutMs: number): Promise<boolean> {
      if (free > 0) {
        free--;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => {
        const waiter = (granted: boolean) => {
          clearTimeout(timer);
          resolve(granted);
        };
        const timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index !== -1) waiters.splice(index, 1);
          resolve(false);
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    give(): void {
      const next = waiters.shift();
      if (next) next(true);
      else free++;
    },
  };
}
