/**
 * Fixed-window counters in the database, shared by every process on it: how many emails went to
 * an address (per kind), left from an IP address or went out in all, and how many wrong codes an
 * address or IP address has tried. In-memory limits (http/rate-limit.ts) would let N processes
 * behind a load balancer send N times the mail; these cannot.
 *
 * A counter is one row: `count` events since `window_start`. Taking from it is one upsert that
 * starts a new window when the old one has ended, and otherwise counts on only while under the
 * limit, so two processes can never both take the last unit (the row lock orders them).
 */
import type { Queryable, Transactional } from '../db/database.js';

export interface Limit {
  /** What is counted, e.g. `send:recovery:ada@example.com`, `send-ip:203.0.113.7`, `send-all`. */
  key: string;
  /** Events allowed per window. */
  max: number;
  windowSeconds: number;
  /** Units this event takes (default 1). */
  count?: number;
}

export interface Spent {
  key: string;
  /** Whole seconds until the counter's window ends (at least 1). */
  retryAfterSeconds: number;
}

class LimitSpent extends Error {
  constructor(readonly spent: Spent) {
    super('limit spent');
  }
}

const windowStartBefore = (now: Date, seconds: number) => new Date(now.getTime() - seconds * 1000);

async function spentFor(db: Queryable, limit: Limit, now: Date): Promise<Spent> {
  const rows = await db.query<{ window_start: Date }>('SELECT window_start FROM send_limits WHERE key = $1', [limit.key]);
  const start = rows[0] ? new Date(rows[0].window_start).getTime() : now.getTime();
  return { key: limit.key, retryAfterSeconds: Math.max(1, Math.ceil((start + limit.windowSeconds * 1000 - now.getTime()) / 1000)) };
}

/**
 * Takes from every counter, or from none: the first that cannot give what is asked is returned
 * (with how long until it can) and nothing is counted. Counters are taken in key order, so two
 * requests sharing counters lock them in one order and never deadlock.
 */
export async function takeLimits(db: Transactional, limits: readonly Limit[], now: Date): Promise<Spent | undefined> {
  const active = limits.filter((l) => l.windowSeconds > 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (active.length === 0) return undefined;
  try {
    await db.transaction(async (tx) => {
      for (const limit of active) {
        const count = limit.count ?? 1;
        if (count > limit.max) throw new LimitSpent(await spentFor(tx, limit, now));
        const rows = await tx.query(
          `INSERT INTO send_limits AS l (key, window_start, count) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET
             window_start = CASE WHEN l.window_start <= $4 THEN excluded.window_start ELSE l.window_start END,
             count = CASE WHEN l.window_start <= $4 THEN excluded.count ELSE l.count + excluded.count END
           WHERE l.window_start <= $4 OR l.count + excluded.count <= $5
           RETURNING count`,
          [limit.key, now, count, windowStartBefore(now, limit.windowSeconds), limit.max],
        );
        if (rows.length === 0) throw new LimitSpent(await spentFor(tx, limit, now));
      }
    });
  } catch (error) {
    if (error instanceof LimitSpent) return error.spent;
    throw error;
  }
  return undefined;
}

/** The first counter already at its limit in its current window, without counting anything. */
export async function firstSpent(db: Queryable, limits: readonly Limit[], now: Date): Promise<Spent | undefined> {
  const active = limits.filter((l) => l.windowSeconds > 0);
  if (active.length === 0) return undefined;
  const rows = await db.query<{ key: string; window_start: Date; count: number }>(
    'SELECT key, window_start, count FROM send_limits WHERE key = ANY($1::text[])',
    [active.map((l) => l.key)],
  );
  for (const limit of active) {
    const row = rows.find((r) => r.key === limit.key);
    if (!row) continue;
    const start = new Date(row.window_start).getTime();
    const ends = start + limit.windowSeconds * 1000;
    if (ends > now.getTime() && Number(row.count) >= limit.max) {
      return { key: limit.key, retryAfterSeconds: Math.max(1, Math.ceil((ends - now.getTime()) / 1000)) };
    }
  }
  return undefined;
}

/** Counts an event on every counter, past its limit too (a failure that already happened). */
export async function countEvents(db: Queryable, limits: readonly Limit[], now: Date): Promise<void> {
  for (const limit of limits) {
    if (limit.windowSeconds <= 0) continue;
    await db.query(
      `INSERT INTO send_limits AS l (key, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (key) DO UPDATE SET
         window_start = CASE WHEN l.window_start <= $3 THEN excluded.window_start ELSE l.window_start END,
         count = CASE WHEN l.window_start <= $3 THEN 1 ELSE l.count + 1 END`,
      [limit.key, now, windowStartBefore(now, limit.windowSeconds)],
    );
  }
}

/** Deletes counters whose window ended before `before` (they would start afresh anyway). */
export async function purgeSendLimits(db: Queryable, before: Date): Promise<void> {
  await db.query('DELETE FROM send_limits WHERE window_start < $1', [before]);
}
