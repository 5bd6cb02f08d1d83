/** Console sign-ins (issue #18): one row per cookie, keyed by the cookie value's hash (crypto/console-token.ts). */
import type { Queryable } from '../db/database.js';

export interface ConsoleSessionRow {
  token_hash: string;
  created_at: Date;
  expires_at: Date;
}

export async function createConsoleSession(
  db: Queryable,
  row: { tokenHash: string; now: Date; expiresAt: Date; ip: string; userAgent: string | undefined },
): Promise<void> {
  await db.query('INSERT INTO console_sessions (token_hash, created_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)', [
    row.tokenHash,
    row.now,
    row.expiresAt,
    row.ip,
    // Bounded: the client picks its User-Agent.
    row.userAgent?.slice(0, 512) ?? null,
  ]);
}

/** The live (unexpired) session for a cookie hash, if any. */
export async function findConsoleSession(db: Queryable, tokenHash: string, now: Date): Promise<ConsoleSessionRow | undefined> {
  const rows = await db.query<ConsoleSessionRow>(
    'SELECT token_hash, created_at, expires_at FROM console_sessions WHERE token_hash = $1 AND expires_at > $2',
    [tokenHash, now],
  );
  return rows[0];
}

/** Signs out: the row goes, so the cookie is dead even where a browser kept a copy. */
export async function deleteConsoleSession(db: Queryable, tokenHash: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM console_sessions WHERE token_hash = $1 RETURNING 1', [tokenHash]);
  return rows.length > 0;
}

export async function purgeConsoleSessions(db: Queryable, now: Date): Promise<number> {
  const rows = await db.query('DELETE FROM console_sessions WHERE expires_at <= $1 RETURNING 1', [now]);
  return rows.length;
}
