import type { Database } from './database.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/**
 * Brings the schema up to date. Safe when several processes start at once on one Postgres: the
 * migrations run under an advisory lock, each in its own transaction with its version row, so a
 * crash leaves the schema at a whole migration.
 *
 * @returns the versions applied by this call (empty when already current).
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.withLock('migrate', async (conn) => {
    await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await conn.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await conn.transaction(async (tx) => {
        for (const statement of splitStatements(migration.sql)) await tx.query(statement);
        await migration.data?.(tx);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      });
      done.push(migration.version);
    }
    return done;
  });
}

/** Splits a migration into statements (parameterized queries take one statement at a time). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}
