/**
 * Trigram indexes for the admin user list's substring search (GoTrue's `filter`: any part of the
 * email or of user_metadata.full_name, store/users.ts listUsers). A `LIKE '%…%'` cannot use a
 * B-tree, so without them every search reads every user: 1.6–2.9 s at a million users (issue #17,
 * BENCHMARKS.md), past the statement timeout under load. GIN indexes of `pg_trgm` answer it
 * from the index for any pattern of three characters or more.
 *
 * Not a migration, because `pg_trgm` is an extension: creating it takes a privilege Latchkey's
 * database role may lack (CREATE on the database; it is a trusted extension since Postgres 13,
 * so no superuser is needed). So it is tried after start, in the background, by one process at
 * a time: with the extension already installed (in any schema) or installable (into the
 * `extensions` schema, Supabase's convention), the indexes are built; without it, the search
 * keeps working as a sequential scan and the server says once how to fix that. A deployment
 * that installs `pg_trgm` later gets the indexes at its next start.
 *
 * A small users table gets plain CREATE INDEX (milliseconds); a large one gets CREATE INDEX
 * CONCURRENTLY, which never blocks sign-ups and sign-ins while it reads the table (and waits
 * for transactions already running to end first). A concurrent build that was cut off leaves an
 * invalid index, which the next start drops and builds again.
 *
 * The embedded database (PGlite) has none: an embedded deployment's users table is small, and
 * loading the extension would cost every start memory and time.
 */
import type { Database, Queryable } from './database.js';

export type SearchIndexState = 'ready' | 'unavailable' | 'embedded';

const INDEXES: ReadonlyArray<[name: string, expression: string]> = [
  ['users_email_trgm_idx', 'email'],
  ['users_full_name_trgm_idx', "(raw_user_meta_data->>'full_name')"],
];

/** Above this many users (the planner's estimate), indexes are built CONCURRENTLY. */
const CONCURRENT_ABOVE_ROWS = 50_000;

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The schema pg_trgm is installed in: found, or installed now; undefined when it cannot be. */
async function trigramSchema(conn: Queryable): Promise<string | undefined> {
  const [found] = await conn.query<{ schema: string }>(
    "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'",
  );
  if (found) return found.schema;
  try {
    await conn.query('CREATE SCHEMA IF NOT EXISTS extensions');
    await conn.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions');
    return 'extensions';
  } catch {
    // No privilege, or the extension is not available on this server (contrib not installed).
    return undefined;
  }
}

/** Builds the search indexes where they are missing or invalid; 'unavailable' when pg_trgm is neither installed nor installable. */
export async function ensureSearchIndexes(db: Database): Promise<SearchIndexState> {
  if (db.kind !== 'postgres') return 'embedded';
  // One process at a time across the deployment (and CREATE EXTENSION never races itself).
  return db.withLock('search-indexes', async (conn) => {
    const schema = await trigramSchema(conn);
    if (!schema) return 'unavailable';
    const [size] = await conn.query<{ rows: number }>(
      "SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = 'users'::regclass",
    );
    const concurrently = Number(size?.rows ?? 0) > CONCURRENT_ABOVE_ROWS ? 'CONCURRENTLY ' : '';
    for (const [name, expression] of INDEXES) {
      const [index] = await conn.query<{ valid: boolean }>('SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)', [
        name,
      ]);
      if (index?.valid) continue;
      // Left invalid by a concurrent build that was cut off: it is never used, but kept up to date.
      if (index) await conn.query(`DROP INDEX ${concurrently}${name}`);
      await conn.query(`CREATE INDEX ${concurrently}${name} ON users USING gin (${expression} ${quoteIdent(schema)}.gin_trgm_ops)`);
    }
    return 'ready';
  });
}
