/** What the console's Overview counts from the database: audit events per time bucket, users, live sessions. */
import type { Queryable } from '../db/database.js';
import type { AuditType } from './audit.js';

/** Per audit type, the number of entries in each of `count` buckets of `stepMs` from `from`. */
export async function auditCountsByBucket(
  db: Queryable,
  types: readonly AuditType[],
  from: Date,
  stepMs: number,
  count: number,
): Promise<Map<AuditType, number[]>> {
  const until = new Date(from.getTime() + stepMs * count);
  // One grouped scan of the range on audit_log (at) / (type, at): never a row per event to the client.
  const rows = await db.query<{ type: AuditType; bucket: number | string; n: number | string }>(
    `SELECT type, floor(extract(epoch FROM (at - $1::timestamptz)) * 1000 / $2)::int AS bucket, count(*) AS n
       FROM audit_log WHERE at >= $1 AND at < $3 AND type = ANY($4::text[]) GROUP BY 1, 2`,
    [from, stepMs, until, [...types]],
  );
  const out = new Map<AuditType, number[]>(types.map((t) => [t, Array<number>(count).fill(0)]));
  for (const row of rows) {
    const series = out.get(row.type);
    const bucket = Number(row.bucket);
    if (series && bucket >= 0 && bucket < count) series[bucket] = Number(row.n);
  }
  return out;
}

export async function countUsers(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM users');
  return Number(rows[0]?.n ?? 0);
}

/** Sessions not revoked, and not past the timebox or inactivity timeout (0: off) at `now`. */
export async function countLiveSessions(db: Queryable, now: Date, timeboxSeconds: number, inactivitySeconds: number): Promise<number> {
  const before = (seconds: number) => (seconds > 0 ? new Date(now.getTime() - seconds * 1000) : null);
  const rows = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL
        AND ($1::timestamptz IS NULL OR created_at > $1) AND ($2::timestamptz IS NULL OR refreshed_at > $2)`,
    [before(timeboxSeconds), before(inactivitySeconds)],
  );
  return Number(rows[0]?.n ?? 0);
}
