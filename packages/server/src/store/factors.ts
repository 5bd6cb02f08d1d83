/**
 * Second factors (GoTrue's MFA factors) and their challenges: every statement about them.
 *
 * Single use is enforced by the statements themselves, never by a read followed by a write:
 * a challenge is consumed by the DELETE that returns it, and a TOTP code by the UPDATE that moves
 * the factor's last used step forward (two verifications racing with one code: Postgres re-checks
 * the second's WHERE against the first's committed row, and it updates nothing).
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';

// Not imported from users.ts, which imports this module (FACTORS_COLUMN).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type FactorType = 'totp' | 'webauthn';
export type FactorStatus = 'unverified' | 'verified';

/** A WebAuthn factor's credential, as the verification of its registration produced it. */
export interface StoredWebAuthnCredential {
  /** base64url */
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
}

export interface FactorRow {
  id: string;
  user_id: string;
  friendly_name: string;
  factor_type: FactorType;
  status: FactorStatus;
  secret: string | null;
  last_used_step: string | number | null;
  webauthn_credential: StoredWebAuthnCredential | null;
  created_at: Date;
  updated_at: Date;
  last_challenged_at: Date | null;
}

/** A factor as GoTrue shows it (in `user.factors`, and the admin API). Never its secret. */
export interface FactorJson {
  id: string;
  friendly_name?: string;
  factor_type: FactorType;
  status: FactorStatus;
  created_at: string;
  updated_at: string;
  last_challenged_at: string | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function factorJson(
  row: Pick<FactorRow, 'id' | 'friendly_name' | 'factor_type' | 'status' | 'created_at' | 'updated_at' | 'last_challenged_at'>,
): FactorJson {
  return {
    id: row.id,
    // GoTrue omits an empty friendly name.
    ...(row.friendly_name ? { friendly_name: row.friendly_name } : {}),
    factor_type: row.factor_type,
    status: row.status,
    created_at: iso(row.created_at) as string,
    updated_at: iso(row.updated_at) as string,
    last_challenged_at: iso(row.last_challenged_at),
  };
}

/**
 * A column (alias `factors`) with the factors of user `u`, oldest first, for statements that
 * return a user: every user object GoTrue returns lists its factors (supabase-js reads them to
 * compute `nextLevel`). An index probe per user; empty for most.
 */
export const FACTORS_COLUMN = `(SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id, 'friendly_name', f.friendly_name, 'factor_type', f.factor_type, 'status', f.status, 'created_at', f.created_at, 'updated_at', f.updated_at, 'last_challenged_at', f.last_challenged_at) ORDER BY f.created_at, f.id), '[]'::jsonb) FROM mfa_factors f WHERE f.user_id = u.id) AS factors`;

/** The user's factors, oldest first. */
export async function listFactors(db: Queryable, userId: string): Promise<FactorRow[]> {
  return db.query<FactorRow>('SELECT * FROM mfa_factors WHERE user_id = $1 ORDER BY created_at, id', [userId]);
}

/** One of the user's factors; undefined when it is not theirs (or not a factor id at all). */
export async function findFactor(db: Queryable, userId: string, factorId: string): Promise<FactorRow | undefined> {
  if (!UUID.test(factorId)) return undefined;
  const rows = await db.query<FactorRow>('SELECT * FROM mfa_factors WHERE id = $1 AND user_id = $2', [factorId, userId]);
  return rows[0];
}

/** Removes the user's unverified factors older than `before` (abandoned enrolments). */
export async function deleteExpiredFactors(db: Queryable, userId: string, before: Date): Promise<void> {
  await db.query("DELETE FROM mfa_factors WHERE user_id = $1 AND status = 'unverified' AND created_at < $2", [userId, before]);
}

export interface NewFactor {
  id?: string;
  userId: string;
  friendlyName: string;
  type: FactorType;
  /** A sealed TOTP secret (crypto/totp.ts); null for WebAuthn factors. */
  secret: string | null;
  now: Date;
}

export function newFactorId(): string {
  return randomUUID();
}

export async function createFactor(db: Queryable, factor: NewFactor): Promise<FactorRow> {
  const rows = await db.query<FactorRow>(
    `INSERT INTO mfa_factors (id, user_id, friendly_name, factor_type, status, secret, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'unverified', $5, $6, $6) RETURNING *`,
    [factor.id ?? randomUUID(), factor.userId, factor.friendlyName, factor.type, factor.secret, factor.now],
  );
  return rows[0] as FactorRow;
}

export interface ChallengeRow {
  id: string;
  factor_id: string;
  created_at: Date;
  ip: string;
  webauthn: { type: 'create' | 'request'; challenge: string } | null;
}

/** Records a challenge of a factor and stamps the factor's `last_challenged_at`, in one statement. */
export async function createChallenge(
  db: Queryable,
  factorId: string,
  ip: string,
  now: Date,
  webauthn: ChallengeRow['webauthn'] = null,
): Promise<ChallengeRow> {
  const rows = await db.query<ChallengeRow>(
    `WITH c AS (
       INSERT INTO mfa_challenges (id, factor_id, created_at, ip, webauthn) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING *
     ), f AS (
       UPDATE mfa_factors SET last_challenged_at = $3 WHERE id = $2
     )
     SELECT * FROM c`,
    [randomUUID(), factorId, now, ip, webauthn === null ? null : JSON.stringify(webauthn)],
  );
  return rows[0] as ChallengeRow;
}

/** A challenge of a factor, not consumed; undefined when there is none (or it was used). */
export async function findChallenge(db: Queryable, factorId: string, challengeId: string): Promise<ChallengeRow | undefined> {
  if (!UUID.test(challengeId)) return undefined;
  const rows = await db.query<ChallengeRow>('SELECT * FROM mfa_challenges WHERE id = $1 AND factor_id = $2', [challengeId, factorId]);
  return rows[0];
}

/**
 * Consumes a challenge: the DELETE that returns it is the one use. True for the one caller that
 * consumed it; false for any other (it was used concurrently, or expired and was removed).
 */
export async function consumeChallenge(db: Queryable, challengeId: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>('DELETE FROM mfa_challenges WHERE id = $1 RETURNING id', [challengeId]);
  return rows.length === 1;
}

export async function deleteChallenge(db: Queryable, challengeId: string): Promise<void> {
  await db.query('DELETE FROM mfa_challenges WHERE id = $1', [challengeId]);
}

/**
 * Accepts a TOTP code of time step `step` for a factor, once: moves the factor's last used step
 * forward to it, in one statement. False when a code of this step or a later one was already
 * accepted (a replayed code, or an older code after a newer one: RFC 6238 §5.2).
 */
export async function consumeTotpStep(db: Queryable, factorId: string, step: number): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    'UPDATE mfa_factors SET last_used_step = $2 WHERE id = $1 AND (last_used_step IS NULL OR last_used_step < $2) RETURNING id',
    [factorId, step],
  );
  return rows.length === 1;
}

/**
 * Marks a factor verified (its first successful verification), with the WebAuthn credential that
 * registration produced, and removes the user's other unverified factors of the same type (as
 * GoTrue does: abandoned enrolments of that kind).
 */
export async function markVerified(
  db: Queryable,
  factor: Pick<FactorRow, 'id' | 'user_id' | 'factor_type'>,
  now: Date,
  credential?: StoredWebAuthnCredential,
): Promise<void> {
  await db.query(
    `UPDATE mfa_factors SET status = 'verified', updated_at = $2, webauthn_credential = coalesce($3::jsonb, webauthn_credential) WHERE id = $1`,
    [factor.id, now, credential === undefined ? null : JSON.stringify(credential)],
  );
  await db.query("DELETE FROM mfa_factors WHERE user_id = $1 AND factor_type = $2 AND status = 'unverified' AND id <> $3", [
    factor.user_id,
    factor.factor_type,
    factor.id,
  ]);
}

/**
 * Moves a WebAuthn factor's signature counter forward to `counter`, in one statement. False when
 * it would not move forward (a counter that did not grow: a cloned authenticator, or two
 * assertions racing). Authenticators that keep no counter report 0 every time: allowed while
 * the stored counter is 0 too.
 */
export async function advanceFactorCounter(db: Queryable, factorId: string, counter: number): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE mfa_factors SET webauthn_credential = jsonb_set(webauthn_credential, '{counter}', to_jsonb($2::bigint))
      WHERE id = $1 AND ((webauthn_credential->>'counter')::bigint < $2 OR ($2 = 0 AND (webauthn_credential->>'counter')::bigint = 0))
      RETURNING id`,
    [factorId, counter],
  );
  return rows.length === 1;
}

/** Deletes a factor; returns it, or undefined when it was not the user's. */
export async function deleteFactor(db: Queryable, userId: string, factorId: string): Promise<FactorRow | undefined> {
  if (!UUID.test(factorId)) return undefined;
  const rows = await db.query<FactorRow>('DELETE FROM mfa_factors WHERE id = $1 AND user_id = $2 RETURNING *', [factorId, userId]);
  return rows[0];
}

/** The WebAuthn credential ids of the user's verified WebAuthn factors (to exclude on registration). */
export function webAuthnCredentialsOf(factors: FactorRow[]): StoredWebAuthnCredential[] {
  return factors.flatMap((f) =>
    f.factor_type === 'webauthn' && f.status === 'verified' && f.webauthn_credential ? [f.webauthn_credential] : [],
  );
}
