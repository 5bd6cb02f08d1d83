/**
 * One small database interface over both backends: embedded PGlite (a directory, or memory) and
 * a Postgres server (`postgres://…`). The same SQL runs on both; nothing above this file knows
 * which one it talks to.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PGlite as PGliteType } from '@electric-sql/pglite';
import { createPGlite } from './pglite.js';

export interface Queryable {
  /**
   * Runs one parameterized statement and returns its rows. A `name` makes it a prepared statement
   * on Postgres (parsed and planned once per connection): use it on the hot paths.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], name?: string): Promise<T[]>;
}

export interface Transactional extends Queryable {
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface Database extends Transactional {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` holding a Postgres advisory lock, so only one of several processes on one
   * database does it at a time (migrations, first-start key generation). `fn` gets the lock's
   * own connection, on which no statement timeout applies: waiting for another process's
   * migration, or migrating a large table, may take longer than a request may.
   */
  withLock<T>(name: string, fn: (conn: Transactional) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` only if no other process (of this schema) is running it: a lock that is never
   * waited for, for work that one process at a time is enough for (the hourly purges). Resolves
   * `{ value }`, or undefined when another holder had the lock. `fn` gets the lock's own
   * connection; each of its statements commits on its own, under the usual statement timeout.
   */
  ifUnlocked<T>(name: string, fn: (conn: Queryable) => Promise<T>): Promise<{ value: T } | undefined>;
  /** Connections in use / idle / waiting (Postgres); zeros on PGlite. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * A directory, `memory`, or a `postgres://` / `postgresql://` URL; the URL may list several
   * hosts, libpq's way (`postgres://u@db1:5432,db2:5432/auth?target_session_attrs=read-write`):
   * see db/host-client.ts.
   */
  database: string;
  poolSize?: number;
  /** Schema that holds Latchkey's tables (tests use one per file); default `latchkey`. */
  schema?: string;
  /**
   * Postgres: the longest wait for a pooled connection, and for one statement (server-side
   * `statement_timeout`, and the same again on the client for a server that stopped answering).
   * Default: no limit.
   */
  timeoutMs?: number;
  /** Postgres `synchronous_commit`; default on. */
  synchronousCommit?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A Postgres server URL, single- or multi-host (as opposed to an embedded directory or `memory`). */
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
  if (isPostgresUrl(options.database)) {
    // Loaded only for a Postgres URL: the embedded default never needs pg (~10 MiB resident, issue #17).
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(options.database, schema, options);
  }
  return openPGlite(options.database, schema);
}

async function openPGlite(database: string, schema: string): Promise<Database> {
  const directory = embeddedDirectory(database);
  if (directory) mkdirSync(directory, { recursive: true });
  const db: PGliteType = await createPGlite(directory);
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);

  const held = new Set<string>();
  const embedded: Database = {
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
    withLock(_name, fn) {
      return fn(embedded);
    },
    // One process owns an embedded database: the lock only has to exclude this process's own
    // other callers (a purge still running when the next one is due).
    async ifUnlocked(name, fn) {
      if (held.has(name)) return undefined;
      held.add(name);
      try {
        return { value: await fn(embedded) };
      } finally {
        held.delete(name);
      }
    },
    poolStats: () => ({ total: 0, idle: 0, waiting: 0 }),
    close: () => db.close(),
  };
  return embedded;
}
