/**
 * Session records in a Postgres table, through your own `pg` Pool (or anything with the same
 * `query(text, values)`): no driver is imported here.
 */
import { SsrError } from '../../errors.js';
import { toRecord } from '../record.js';
import type { SessionStore } from './types.js';

/** The part of a `pg` Pool (or Client) the store uses. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount?: number | null }>;
}

export interface PostgresStoreOptions {
  /** Table name, optionally schema-qualified. Default `latchkey_bff_sessions`. Created if missing. */
  table?: string;
  /** Time source for expiry (tests inject one). Default `Date.now`. */
  clock?: { now(): number };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `name` or `schema.name`, each part checked and double-quoted: only identifiers ever reach the SQL text. */
export function quoteTable(name: string, where: string): { sql: string; bare: string } {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new SsrError('invalid_argument', `${where}: the table name must be "name" or "schema.name", letters, digits and "_".`);
  }
  return { sql: parts.map((part) => `"${part}"`).join('.'), bare: parts[parts.length - 1] as string };
}

function storeFailed(error: unknown): SsrError {
  return new SsrError('store_failed', 'The Postgres session store failed.', { cause: error });
}

/**
 * A store on Postgres. Each record is one row keyed by the SHA-256 of the session cookie; the
 * fenced update is a single `UPDATE … WHERE fence < $fence` (atomic, no read-then-write).
 *
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const bff = createTokenHandler({ authUrl, store: postgresStore(pool), lock: postgresLock(pool) });
 */
export function postgresStore(db: PgQueryable, options: PostgresStoreOptions = {}): SessionStore {
  const where = 'postgresStore';
  if (!db || typeof db.query !== 'function')
    throw new SsrError('invalid_argument', `${where}: pass a pg Pool (anything with query(text, values)).`);
  const table = quoteTable(options.table ?? 'latchkey_bff_sessions', where);
  const now = () => new Date((options.clock ?? Date).now()).toISOString();
  let ready: Promise<void> | undefined;

  function setup(): Promise<void> {
    // One query string, so one implicit transaction: the advisory lock serialises processes that
    // start together (concurrent CREATE … IF NOT EXISTS can still collide in the catalog), and an
    // error rolls the whole string back, leaving the pooled connection clean.
    ready ??= db
      .query(
        `SELECT pg_advisory_xact_lock(hashtextextended('latchkey.bff.setup:${table.sql.replace(/'/g, "''")}', 0));
         CREATE TABLE IF NOT EXISTS ${table.sql} (key text PRIMARY KEY, fence bigint NOT NULL, record jsonb NOT NULL, expires_at timestamptz NOT NULL);
         CREATE INDEX IF NOT EXISTS "${table.bare}_expires_at" ON ${table.sql} (expires_at)`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          ready = undefined; // try again on the next call
          throw error;
        },
      );
    return ready;
  }

  async function run<T>(work: () => Promise<T>): Promise<T> {
    try {
      await setup();
      return await work();
    } catch (error) {
      throw storeFailed(error);
    }
  }

  return {
    get: (key) =>
      run(async () => {
        const { rows } = await db.query(`SELECT fence, record FROM ${table.sql} WHERE key = $1 AND expires_at > $2::timestamptz`, [
          key,
          now(),
        ]);
        const row = rows[0];
        const record = row ? toRecord(row.record) : null;
        return row && record ? { record, fence: Number(row.fence) } : null;
      }),
    create: (key, record) =>
      run(async () => {
        await db.query(`INSERT INTO ${table.sql} (key, fence, record, expires_at) VALUES ($1, 0, $2::jsonb, $3::timestamptz)`, [
          key,
          JSON.stringify(record),
          new Date(record.expiresAt).toISOString(),
        ]);
        // Expired rows are never read; a few go with every sign-in so the table does not grow forever.
        await db.query(
          `DELETE FROM ${table.sql} WHERE key IN (SELECT key FROM ${table.sql} WHERE expires_at <= $1::timestamptz LIMIT 100)`,
          [now()],
        );
      }),
    update: (key, record, fence) =>
      run(async () => {
        // One statement: the fence comparison and the write cannot be separated by another writer.
        const result = await db.query(
          `UPDATE ${table.sql} SET record = $2::jsonb, fence = $3, expires_at = $4::timestamptz WHERE key = $1 AND fence < $3 AND expires_at > $5::timestamptz`,
          [key, JSON.stringify(record), fence, new Date(record.expiresAt).toISOString(), now()],
        );
        return result.rowCount === 1;
      }),
    delete: (key, fence) =>
      run(async () => {
        if (fence === undefined) await db.query(`DELETE FROM ${table.sql} WHERE key = $1`, [key]);
        else await db.query(`DELETE FROM ${table.sql} WHERE key = $1 AND fence < $2`, [key, fence]);
      }),
  };
}
