/**
 * One small database interface over both backends: embedded PGlite (a directory, or memory) and
 * a Postgres server (`postgres://…`). The same SQL runs on both; nothing above this file knows
 * which one it talks to.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { PGlite as PGliteType } from '@electric-sql/pglite';

export interface Queryable {
  /**
   * Runs one parameterized statement and returns its rows. A `name` makes it a prepared statement
   * on Postgres (parsed and planned once per connection): use it on the hot paths.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], name?: string): Promise<T[]>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` holding a Postgres advisory lock, so only one of several processes on one
   * database does it at a time (migrations, first-start key generation).
   */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Connections in use / idle / waiting (Postgres); zeros on PGlite. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A directory, `memory`, or a `postgres://` / `postgresql://` URL. */
  database: string;
  poolSize?: number;
  /** Schema that holds Latchkey's tables (tests use one per file); default `latchkey`. */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** Where an embedded database keeps its files, or undefined for `memory` and Postgres. */
export function embeddedDirectory(database: string): string | undefined {
  if (database === 'memory' || isPostgresUrl(database)) return undefined;
  return resolve(database);
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  const schema = options.schema ?? 'latchkey';
  // The schema name is interpolated into SQL, so it must be a plain identifier.
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  if (isPostgresUrl(options.database)) return openPostgres(options.database, schema, options.poolSize ?? 16);
  return openPGlite(options.database, schema);
}

function lockKey(name: string): string {
  // A stable 63-bit key per lock name, so unrelated applications' advisory locks do not collide.
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`latchkey:${name}`)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0x7fffffffffffffffn;
  }
  return hash.toString();
}

async function openPostgres(url: string, schema: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Every connection resolves unqualified table names in Latchkey's schema.
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(async (error: { code?: string }) => {
    // Two processes creating the schema at once: one wins, the other sees a unique violation.
    if (error.code !== '23505' && error.code !== '42P06') throw error;
  });

  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[], name?: string) {
      const result = await pool.query({ text: sql, values: params as unknown[] | undefined, name });
      return result.rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query<R>(sql: string, params?: readonly unknown[], name?: string) {
            return (await client.query({ text: sql, values: params as unknown[] | undefined, name })).rows as R[];
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async withLock<T>(name: string, fn: () => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1::bigint)', [lockKey(name)]);
        try {
          return await fn();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name)]);
        }
      } finally {
        client.release();
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

async function openPGlite(database: string, schema: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  let dataDir: string | undefined;
  const directory = embeddedDirectory(database);
  if (directory) {
    mkdirSync(directory, { recursive: true });
    dataDir = join(directory, 'pgdata');
  }
  const db: PGliteType = await PGlite.create(dataDir);
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);

  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: readonly unknown[]) {
      return (await db.query<T>(sql, params as unknown[] | undefined)).rows;
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return db.transaction((tx) =>
        fn({
          async query<R>(sql: string, params?: readonly unknown[]) {
            return (await tx.query<R>(sql, params as unknown[] | undefined)).rows;
          },
        }),
      );
    },
    // One process owns an embedded database, and PGlite runs one statement at a time.
    withLock: (_name, fn) => fn(),
    poolStats: () => ({ total: 0, idle: 0, waiting: 0 }),
    close: () => db.close(),
  };
}
