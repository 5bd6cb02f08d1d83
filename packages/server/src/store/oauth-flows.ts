/**
 * Provider sign-ins in progress, between GET /authorize and GET /callback. A flow is consumed by
 * one DELETE that also checks the browser and the age, so it is used at most once even when two
 * callbacks race (STYLE.md §7), and a replayed callback finds nothing.
 */
import type { Queryable } from '../db/database.js';

/** How long a user may spend at the provider, seconds. */
export const OAUTH_FLOW_LIFETIME_SECONDS = 600;

export interface OAuthFlowRow {
  id: string;
  provider: string;
  browser_hash: string;
  redirect_to: string;
  nonce: string;
  code_verifier: string;
  scopes: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  linking_user_id: string | null;
  created_at: Date;
}

export async function createOAuthFlow(db: Queryable, flow: OAuthFlowRow): Promise<void> {
  // Abandoned flows go as new ones start: no timer, and the table stays the size of the last hour.
  await db.query('DELETE FROM oauth_flows WHERE created_at < $1', [new Date(flow.created_at.getTime() - 3600_000)]);
  // The nonce and verifier are stored as is for minutes: each is useless without the provider's
  // code, which only ever reaches our callback, and the row is deleted when the flow ends.
  await db.query(
    `INSERT INTO oauth_flows (id, provider, browser_hash, redirect_to, nonce, code_verifier, scopes, code_challenge, code_challenge_method, linking_user_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      flow.id,
      flow.provider,
      flow.browser_hash,
      flow.redirect_to,
      flow.nonce,
      flow.code_verifier,
      flow.scopes,
      flow.code_challenge,
      flow.code_challenge_method,
      flow.linking_user_id,
      flow.created_at,
    ],
  );
}

/** Consumes the flow if it is live and was started by this browser; else says why not. */
export async function consumeOAuthFlow(
  db: Queryable,
  id: string,
  browserHash: string | undefined,
  now: Date,
): Promise<OAuthFlowRow | 'not_found' | 'expired' | 'other_browser'> {
  const startedAfter = new Date(now.getTime() - OAUTH_FLOW_LIFETIME_SECONDS * 1000);
  if (browserHash) {
    const rows = await db.query<OAuthFlowRow>(
      'DELETE FROM oauth_flows WHERE id = $1 AND browser_hash = $2 AND created_at > $3 RETURNING *',
      [id, browserHash, startedAfter],
    );
    if (rows[0]) return rows[0];
  }
  // Not consumed: a flow started in another browser is left alone, so a forged callback cannot
  // burn the real user's sign-in.
  const rows = await db.query<{ created_at: Date }>('SELECT created_at FROM oauth_flows WHERE id = $1', [id]);
  if (!rows[0]) return 'not_found';
  if (new Date(rows[0].created_at) <= startedAfter) return 'expired';
  return 'other_browser';
}
