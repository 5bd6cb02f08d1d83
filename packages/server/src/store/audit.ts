/**
 * The audit trail: one row per security event. Written off the refresh hot path (a plain rotation
 * is not audited; a detected reuse is). Entries hold ids, IP and user agent, never a credential.
 */
import type { Queryable } from '../db/database.js';

/** Every event type the audit trail records. */
export const AUDIT_TYPES = [
  'user_signedup',
  'login',
  'login_failed',
  'logout',
  'token_reuse_detected',
  'session_revoked',
  'password_changed',
  'user_created',
  'user_updated',
  'user_banned',
  'user_deleted',
  'key_rotated',
  'key_retired',
  'key_imported',
  'mfa_factor_enrolled',
  'mfa_factor_verified',
  'mfa_factor_removed',
  'mfa_verification_failed',
  'passkey_added',
  'passkey_removed',
  'passkey_login',
  'passkey_login_failed',
  'webauthn_counter_regression',
  // The email flows (issue #13).
  'mail_sent',
  'mail_not_sent',
  'verified',
  'verification_failed',
  'email_change_requested',
  'email_changed',
  'user_invited',
  'anonymous_users_purged',
  // Dead sessions deleted after LATCHKEY_SESSION_RETENTION (issue #17).
  'sessions_purged',
  // Identity providers (issue #14).
  'identity_linked',
  'identity_unlinked',
  // The admin console (issue #18): its sign-ins; what it does is audited by the admin routes it calls.
  'console_signed_in',
  'console_sign_in_failed',
  'console_signed_out',
  'recovery_sent',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

export interface AuditEvent {
  type: AuditType;
  /** Who acted: the user themself, an admin (secret key) or the system (reuse detection). */
  actor: 'user' | 'admin' | 'system' | 'anonymous';
  userId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  data?: Record<string, unknown>;
  at: Date;
}

export interface AuditRow {
  id: string;
  at: Date;
  type: AuditType;
  actor: string;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: Record<string, unknown>;
}

export async function recordAudit(db: Queryable, event: AuditEvent): Promise<void> {
  await db.query(
    'INSERT INTO audit_log (at, type, actor, user_id, session_id, ip, user_agent, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)',
    [
      event.at,
      event.type,
      event.actor,
      event.userId ?? null,
      event.sessionId ?? null,
      event.ip ?? null,
      // Bounded: a client chooses its User-Agent, and the log must not grow by its whim.
      event.userAgent?.slice(0, 512) ?? null,
      JSON.stringify(event.data ?? {}),
    ],
  );
}

export interface AuditFilter {
  userId?: string;
  type?: AuditType;
  since?: Date;
  /** Entries before this time (exclusive). */
  until?: Date;
  ip?: string;
  sessionId?: string;
  /** Keyset paging: entries after this one in the listing's order (newest first). */
  after?: { at: Date; id: string };
  limit: number;
}

export async function queryAudit(db: Queryable, filter: AuditFilter): Promise<AuditRow[]> {
  // Every filter is a bound parameter; absent ones are NULL and drop out. Paging is by keyset on
  // (at, id), so a deep page costs what the first does. The ORDER BY names audit_log.id: a bare
  // "id" would be the text alias of the select list, which sorts "10" before "9" (and would
  // disagree with the cursor's numeric comparison).
  const rows = await db.query<AuditRow>(
    `SELECT id::text AS id, at, type, actor, user_id, session_id, ip, user_agent, data FROM audit_log
      WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::text IS NULL OR type = $2) AND ($3::timestamptz IS NULL OR at >= $3)
        AND ($5::timestamptz IS NULL OR at < $5) AND ($6::text IS NULL OR ip = $6) AND ($7::uuid IS NULL OR session_id = $7)
        AND ($8::timestamptz IS NULL OR (at, id) < ($8, $9::bigint))
      ORDER BY at DESC, audit_log.id DESC LIMIT $4`,
    [
      filter.userId ?? null,
      filter.type ?? null,
      filter.since ?? null,
      filter.limit,
      filter.until ?? null,
      filter.ip ?? null,
      filter.sessionId ?? null,
      filter.after?.at ?? null,
      filter.after?.id ?? null,
    ],
  );
  return rows;
}

/** Deletes entries older than `before`; returns how many. */
export async function purgeAudit(db: Queryable, before: Date): Promise<number> {
  const rows = await db.query<{ n: string | number }>(
    'WITH d AS (DELETE FROM audit_log WHERE at < $1 RETURNING 1) SELECT count(*) AS n FROM d',
    [before],
  );
  return Number(rows[0]?.n ?? 0);
}
