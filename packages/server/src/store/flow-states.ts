/**
 * PKCE flow states (GoTrue's flow_state): a flow started with a code challenge (sign-up, magic
 * link, recovery, email change) gets one; when its emailed link is followed, an auth code is
 * issued to it, and POST /token?grant_type=pkce exchanges that code, with the verifier, for a
 * session. The code is stored hashed (SHA-256 of 256 random bits, like a link token).
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import type { ChallengeMethod } from '../crypto/pkce.js';

/** How long an issued auth code may be exchanged, seconds (GoTrue's flow state expiry, 300 s). */
export const AUTH_CODE_LIFETIME_SECONDS = 300;

export interface NewFlowState {
  userId: string;
  /** GoTrue's authentication method of the flow: magiclink, recovery, email/signup, invite, email_change. */
  method: string;
  challenge: string;
  challengeMethod: ChallengeMethod;
  now: Date;
}

export async function createFlowState(db: Queryable, flow: NewFlowState): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO flow_states (id, user_id, authentication_method, code_challenge, code_challenge_method, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, flow.userId, flow.method, flow.challenge, flow.challengeMethod, flow.now],
  );
  return id;
}

/** Attaches a fresh auth code to a flow (its link was just followed); false when the flow is gone. */
export async function issueAuthCode(db: Queryable, flowStateId: string, authCodeHash: string, now: Date): Promise<boolean> {
  const rows = await db.query('UPDATE flow_states SET auth_code_hash = $2, auth_code_issued_at = $3 WHERE id = $1 RETURNING id', [
    flowStateId,
    authCodeHash,
    now,
  ]);
  return rows.length > 0;
}

export interface ExchangedFlow {
  user_id: string;
  authentication_method: string;
}

/**
 * Exchanges an auth code: in one DELETE, and only if the code is live and the verifier answers the
 * challenge (`challenges` holds what the verifier answers under each method). A wrong verifier
 * consumes nothing, and two exchanges of one code cannot both succeed.
 */
export async function exchangeAuthCode(
  db: Queryable,
  authCodeHash: string,
  challenges: { s256: string; plain: string },
  issuedAfter: Date,
): Promise<ExchangedFlow | undefined> {
  const rows = await db.query<ExchangedFlow>(
    `DELETE FROM flow_states
      WHERE auth_code_hash = $1 AND auth_code_issued_at > $2
        AND ((code_challenge_method = 's256' AND code_challenge = $3) OR (code_challenge_method = 'plain' AND code_challenge = $4))
      RETURNING user_id, authentication_method`,
    [authCodeHash, issuedAfter, challenges.s256, challenges.plain],
  );
  return rows[0];
}

/** Why an exchange found nothing: no such code, or it expired, or (else) the verifier was wrong. */
export async function authCodeProblem(
  db: Queryable,
  authCodeHash: string,
  issuedAfter: Date,
): Promise<'not_found' | 'expired' | 'bad_verifier'> {
  const rows = await db.query<{ auth_code_issued_at: Date }>('SELECT auth_code_issued_at FROM flow_states WHERE auth_code_hash = $1', [
    authCodeHash,
  ]);
  const row = rows[0];
  if (!row) return 'not_found';
  return new Date(row.auth_code_issued_at) <= issuedAfter ? 'expired' : 'bad_verifier';
}

/** Deletes flows started before `before` (their links and codes have expired). */
export async function purgeFlowStates(db: Queryable, before: Date): Promise<void> {
  await db.query('DELETE FROM flow_states WHERE created_at < $1 AND (auth_code_issued_at IS NULL OR auth_code_issued_at < $1)', [before]);
}
