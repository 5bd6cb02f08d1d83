/**
 * Passkeys (discoverable WebAuthn credentials) and their ceremonies' challenges: every statement
 * about them. Single use by the statement itself: a challenge is consumed by the DELETE that
 * returns it; a signature counter moves forward only in the UPDATE that checks it did.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { LatchkeyError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  sign_count: string | number;
  transports: string[];
  aaguid: string | null;
  backup_eligible: boolean;
  backed_up: boolean;
  friendly_name: string;
  created_at: Date;
  updated_at: Date;
  last_used_at: Date | null;
}

/** A passkey as GoTrue lists it: never its key. */
export function passkeyJson(row: PasskeyRow): { id: string; friendly_name?: string; created_at: string; last_used_at?: string } {
  return {
    id: row.id,
    ...(row.friendly_name ? { friendly_name: row.friendly_name } : {}),
    created_at: new Date(row.created_at).toISOString(),
    ...(row.last_used_at ? { last_used_at: new Date(row.last_used_at).toISOString() } : {}),
  };
}

export async function listPasskeys(db: Queryable, userId: string): Promise<PasskeyRow[]> {
  return db.query<PasskeyRow>('SELECT * FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id', [userId]);
}

export async function findPasskeyByCredentialId(db: Queryable, credentialId: string): Promise<PasskeyRow | undefined> {
  const rows = await db.query<PasskeyRow>('SELECT * FROM webauthn_credentials WHERE credential_id = $1', [credentialId]);
  return rows[0];
}

export interface NewPasskey {
  userId: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean;
  backedUp: boolean;
  friendlyName: string;
  now: Date;
}

/**
 * Stores a passkey unless the user already has `max`: the count and the insert run under a lock
 * on the user's row, so two registrations at once cannot both slip under the cap. A credential
 * registered before (to anyone) is `webauthn_credential_exists`.
 */
/** Call inside a transaction (the row lock lasts until it ends). */
export async function createPasskey(db: Queryable, passkey: NewPasskey, max: number): Promise<PasskeyRow> {
  await db.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [passkey.userId]);
  const count = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM webauthn_credentials WHERE user_id = $1', [
    passkey.userId,
  ]);
  if (Number(count[0]?.n ?? 0) >= max) throw new LatchkeyError('too_many_passkeys');
  const rows = await db
    .query<PasskeyRow>(
      `INSERT INTO webauthn_credentials (id, user_id, credential_id, public_key, sign_count, transports, aaguid, backup_eligible, backed_up, friendly_name, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $11) RETURNING *`,
      [
        randomUUID(),
        passkey.userId,
        passkey.credentialId,
        passkey.publicKey,
        passkey.counter,
        JSON.stringify(passkey.transports),
        passkey.aaguid,
        passkey.backupEligible,
        passkey.backedUp,
        passkey.friendlyName,
        passkey.now,
      ],
    )
    .catch((error: { code?: string }) => {
      if (error.code === '23505') throw new LatchkeyError('webauthn_credential_exists');
      throw error;
    });
  return rows[0] as PasskeyRow;
}

export async function countPasskeys(db: Queryable, userId: string): Promise<number> {
  const rows = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM webauthn_credentials WHERE user_id = $1', [userId]);
  return Number(rows[0]?.n ?? 0);
}

export async function renamePasskey(db: Queryable, userId: string, id: string, name: string, now: Date): Promise<PasskeyRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const rows = await db.query<PasskeyRow>(
    'UPDATE webauthn_credentials SET friendly_name = $3, updated_at = $4 WHERE id = $1 AND user_id = $2 RETURNING *',
    [id, userId, name, now],
  );
  return rows[0];
}

/** Deletes one of the user's passkeys; undefined when it is not theirs. */
export async function deletePasskey(db: Queryable, userId: string, id: string): Promise<PasskeyRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const rows = await db.query<PasskeyRow>('DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2 RETURNING *', [id, userId]);
  return rows[0];
}

/**
 * Records a sign-in with a passkey: the signature counter moves forward to `counter`, in one
 * statement, or nothing changes and this answers false (a counter that did not grow: a cloned
 * authenticator, or two assertions racing). Authenticators without a counter report 0 each time.
 */
export async function usePasskey(db: Queryable, id: string, counter: number, backedUp: boolean, now: Date): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE webauthn_credentials SET sign_count = $2, backed_up = $3, last_used_at = $4, updated_at = $4
      WHERE id = $1 AND (sign_count < $2 OR ($2 = 0 AND sign_count = 0)) RETURNING id`,
    [id, counter, backedUp, now],
  );
  return rows.length === 1;
}

export type CeremonyType = 'registration' | 'authentication';

export interface PasskeyChallengeRow {
  id: string;
  user_id: string | null;
  challenge_type: CeremonyType;
  challenge: string;
  created_at: Date;
  expires_at: Date;
}

export async function createPasskeyChallenge(
  db: Queryable,
  type: CeremonyType,
  userId: string | null,
  challenge: string,
  now: Date,
  expiresAt: Date,
): Promise<PasskeyChallengeRow> {
  // Expired challenges nobody answered go on the way (bounded table under a flood of options calls).
  await db.query('DELETE FROM webauthn_challenges WHERE expires_at < $1', [now]);
  const rows = await db.query<PasskeyChallengeRow>(
    `INSERT INTO webauthn_challenges (id, user_id, challenge_type, challenge, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [randomUUID(), userId, type, challenge, now, expiresAt],
  );
  return rows[0] as PasskeyChallengeRow;
}

/**
 * Consumes a challenge of one ceremony type (and of one user, for registration): the DELETE that
 * returns it is its one use, whatever the outcome of the ceremony.
 */
export async function consumePasskeyChallenge(
  db: Queryable,
  id: string,
  type: CeremonyType,
  userId: string | null,
): Promise<PasskeyChallengeRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const rows = await db.query<PasskeyChallengeRow>(
    `DELETE FROM webauthn_challenges WHERE id = $1 AND challenge_type = $2 AND user_id IS NOT DISTINCT FROM $3::uuid RETURNING *`,
    [id, type, userId],
  );
  return rows[0];
}
