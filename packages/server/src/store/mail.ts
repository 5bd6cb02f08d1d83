/**
 * The `mail` table: the dev outbox and the SMTP delivery queue (mail/queue.ts drives it). Rows
 * hold the recipient and kind in the clear (to find and list them) and the subject and bodies
 * sealed (crypto/seal.ts), dropped once a message is delivered or abandoned.
 */
import type { Queryable } from '../db/database.js';

/** outbox: kept for the developer; queued → sent or failed: SMTP; suppressed: a request that must not mail (an unknown address), recorded with its reason. */
export type MailStatus = 'outbox' | 'queued' | 'sent' | 'failed' | 'suppressed';

export interface MailRow {
  id: string;
  created_at: Date;
  kind: string;
  to_address: string;
  sealed: string | null;
  status: MailStatus;
  attempts: number;
  next_attempt_at: Date | null;
  claimed_until: Date | null;
  sent_at: Date | null;
  last_error: string | null;
}

export async function insertMail(
  db: Queryable,
  row: {
    id: string;
    now: Date;
    kind: string;
    to: string;
    sealed: string | null;
    status: 'outbox' | 'queued' | 'suppressed';
    reason?: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO mail (id, created_at, kind, to_address, sealed, status, attempts, next_attempt_at, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)`,
    [row.id, row.now, row.kind, row.to, row.sealed, row.status, row.status === 'queued' ? row.now : null, row.reason ?? null],
  );
}

/**
 * Claims up to `limit` due messages for delivery in one statement: each gets an attempt counted
 * and is held until `leaseUntil`, so no other process picks it up meanwhile (rows another process
 * is claiming are skipped, not waited on), and one whose sender died is retried once the lease
 * runs out.
 */
export async function claimDueMail(db: Queryable, now: Date, leaseUntil: Date, limit: number): Promise<MailRow[]> {
  return db.query<MailRow>(
    `UPDATE mail SET attempts = attempts + 1, claimed_until = $2
      WHERE id IN (SELECT id FROM mail
                    WHERE status = 'queued' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
                    ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [now, leaseUntil, limit],
  );
}

/** Makes every message waiting out a retry delay due now (the SMTP server is back); claimed ones are left alone. */
export async function retryWaitingMailNow(db: Queryable, now: Date): Promise<void> {
  await db.query(
    `UPDATE mail SET next_attempt_at = $1 WHERE status = 'queued' AND next_attempt_at > $1 AND (claimed_until IS NULL OR claimed_until <= $1)`,
    [now],
  );
}

export async function markMailSent(db: Queryable, id: string, now: Date): Promise<void> {
  // Delivered: the message (and the link token in it) has no business staying in the database.
  await db.query(
    `UPDATE mail SET status = 'sent', sent_at = $2, sealed = NULL, next_attempt_at = NULL, claimed_until = NULL, last_error = NULL WHERE id = $1`,
    [id, now],
  );
}

export async function markMailRetry(db: Queryable, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await db.query(`UPDATE mail SET next_attempt_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1 AND status = 'queued'`, [
    id,
    nextAttemptAt,
    error,
  ]);
}

/** Hands a claimed message back untried (its attempt uncounted), due at `nextAttemptAt`. */
export async function releaseMail(db: Queryable, id: string, nextAttemptAt: Date): Promise<void> {
  await db.query(
    `UPDATE mail SET attempts = attempts - 1, next_attempt_at = $2, claimed_until = NULL WHERE id = $1 AND status = 'queued'`,
    [id, nextAttemptAt],
  );
}

export async function markMailFailed(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(
    `UPDATE mail SET status = 'failed', sealed = NULL, next_attempt_at = NULL, claimed_until = NULL, last_error = $2 WHERE id = $1`,
    [id, error],
  );
}

/** The latest messages, newest first, optionally to one address. */
export async function listMail(db: Queryable, filter: { to?: string; limit: number }): Promise<MailRow[]> {
  return db.query<MailRow>(`SELECT * FROM mail WHERE ($1::text IS NULL OR to_address = $1) ORDER BY created_at DESC, id DESC LIMIT $2`, [
    filter.to ?? null,
    filter.limit,
  ]);
}

/** Deletes messages created before `before` that are no longer waiting for delivery. */
export async function purgeMail(db: Queryable, before: Date): Promise<number> {
  const rows = await db.query<{ n: string | number }>(
    `WITH d AS (DELETE FROM mail WHERE created_at < $1 AND status <> 'queued' RETURNING 1) SELECT count(*) AS n FROM d`,
    [before],
  );
  return Number(rows[0]?.n ?? 0);
}
