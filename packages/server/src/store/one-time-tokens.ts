/**
 * One-time tokens: what a mailed link or code proves, stored as hashes only (crypto/one-time-token.ts).
 * Each is single-use, expires (LATCHKEY_MAILER_OTP_EXP), and replaces the user's earlier token of
 * its type. Using one is a single DELETE … RETURNING: of two requests presenting the same token
 * at once, exactly one gets the row, so a link can never be spent twice (the read-then-write race
 * of Keycloak GHSA-m2w5-7xhv-w6fh and Hydra #3604 has nowhere to happen).
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';

/** What a token lets its holder do. `confirmation` serves sign-up and invite links, `recovery` recovery and magic links. */
export type TokenType = 'confirmation' | 'recovery' | 'email_change_current' | 'email_change_new' | 'reauthentication';

export interface OneTimeTokenRow {
  id: string;
  user_id: string;
  token_type: TokenType;
  /** The address the token was mailed to. */
  relates_to: string;
  flow_state_id: string | null;
  created_at: Date;
  expires_at: Date;
}

const COLUMNS = 'id, user_id, token_type, relates_to, flow_state_id, created_at, expires_at';

export interface NewOneTimeToken {
  userId: string;
  type: TokenType;
  relatesTo: string;
  tokenHash: string;
  codeHash: string;
  flowStateId: string | null;
  now: Date;
  expiresAt: Date;
}

/** Stores a token, replacing the user's live token of the same type: only the newest link works. */
export async function putOneTimeToken(db: Queryable, token: NewOneTimeToken): Promise<void> {
  await db.query(
    `INSERT INTO one_time_tokens (id, user_id, token_type, relates_to, token_hash, code_hash, flow_state_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (user_id, token_type) DO UPDATE SET
       id = excluded.id, relates_to = excluded.relates_to, token_hash = excluded.token_hash, code_hash = excluded.code_hash,
       flow_state_id = excluded.flow_state_id, created_at = excluded.created_at, expires_at = excluded.expires_at`,
    [
      randomUUID(),
      token.userId,
      token.type,
      token.relatesTo,
      token.tokenHash,
      token.codeHash,
      token.flowStateId,
      token.now,
      token.expiresAt,
    ],
  );
}

/** Uses up the live token of one of `types` that this link hash names, if there is one. */
export async function consumeByLink(
  db: Queryable,
  tokenHash: string,
  types: readonly TokenType[],
  now: Date,
): Promise<OneTimeTokenRow | undefined> {
  const rows = await db.query<OneTimeTokenRow>(
    `DELETE FROM one_time_tokens WHERE token_hash = $1 AND token_type = ANY($2::text[]) AND expires_at > $3 RETURNING ${COLUMNS}`,
    [tokenHash, types, now],
  );
  return rows[0];
}

/**
 * Uses up the live token of one of `types` mailed to `address` with this code, if there is one.
 * (The code hash binds the address, so a code can only ever match the token it was sent with.)
 */
export async function consumeByCode(
  db: Queryable,
  address: string,
  codeHash: string,
  types: readonly TokenType[],
  now: Date,
): Promise<OneTimeTokenRow | undefined> {
  const rows = await db.query<OneTimeTokenRow>(
    `DELETE FROM one_time_tokens
      WHERE id = (SELECT id FROM one_time_tokens
                   WHERE relates_to = $1 AND code_hash = $2 AND token_type = ANY($3::text[]) AND expires_at > $4
                   ORDER BY created_at DESC LIMIT 1)
      RETURNING ${COLUMNS}`,
    [address, codeHash, types, now],
  );
  return rows[0];
}

/** Uses up a user's live token of `type` with this code (the reauthentication nonce). */
export async function consumeUserCode(db: Queryable, userId: string, type: TokenType, codeHash: string, now: Date): Promise<boolean> {
  const rows = await db.query(
    'DELETE FROM one_time_tokens WHERE user_id = $1 AND token_type = $2 AND code_hash = $3 AND expires_at > $4 RETURNING id',
    [userId, type, codeHash, now],
  );
  return rows.length > 0;
}

/** True when the user still has a live token of `type` (e.g. the other half of a secure email change). */
export async function hasLiveToken(db: Queryable, userId: string, type: TokenType, now: Date): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM one_time_tokens WHERE user_id = $1 AND token_type = $2 AND expires_at > $3', [
    userId,
    type,
    now,
  ]);
  return rows.length > 0;
}

export async function deleteUserTokens(db: Queryable, userId: string, types: readonly TokenType[]): Promise<void> {
  await db.query('DELETE FROM one_time_tokens WHERE user_id = $1 AND token_type = ANY($2::text[])', [userId, types]);
}

export async function purgeExpiredTokens(db: Queryable, now: Date): Promise<void> {
  await db.query('DELETE FROM one_time_tokens WHERE expires_at <= $1', [now]);
}
