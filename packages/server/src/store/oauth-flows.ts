/**
 * Provider sign-ins in progress, between GET /authorize and GET /callback. A flow is consumed by
 * one DELETE that also checks the binding and the age, so it is used at most once even when two
 * callbacks race (STYLE.md §7), and a replayed callback finds nothing.
 *
 * Two bindings, in one column: a sign-in is bound to the browser that started it (the SHA-256 of
 * its cookie); a link (GET /user/identities/authorize) to the signed-in session that started it
 * (`link-session:<session id>`), because supabase-js starts links with a cross-origin fetch, whose
 * Set-Cookie the browser drops. The callback checks that session is still live (routes/oauth/callback.ts).
 */
import type { Queryable } from '../db/database.js';

/** How long a user may spend at the provider, seconds. */
export const OAUTH_FLOW_LIFETIME_SECONDS = 600;

export interface OAuthFlowRow {
  id: string;
  provider: string;
  /** Sign-in: SHA-256 (hex) of the browser cookie. Link: `link-session:<session id>` (see linkBinding). */
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

const LINK_SESSION = 'link-session:';

/** The binding of a link flow: the session that started it (a hex hash never has this prefix). */
export function linkBinding(sessionId: string): string {
  return `${LINK_SESSION}${sessionId}`;
}

/** The session a link flow was started from, or undefined for a sign-in flow. */
export function linkSessionOf(flow: OAuthFlowRow): string | undefined {
  return flow.linking_user_id && flow.browser_hash.startsWith(LINK_SESSION) ? flow.browser_hash.slice(LINK_SESSION.length) : undefined;
}

/**
 * Consumes the flow if it is live and was started by this browser (a sign-in) or is a link (bound
 * to its user and session, checked by the caller); else says why not.
 */
export async function consumeOAuthFlow(
  db: Queryable,
  id: string,
  browserHash: string | undefined,
  now: Date,
): Promise<OAuthFlowRow | 'not_found' | 'expired' | 'other_browser'> {
  const startedAfter = new Date(now.getTime() - OAUTH_FLOW_LIFETIME_SECONDS * 1000);
  const consumed = await db.query<OAuthFlowRow>(
    `DELETE FROM oauth_flows WHERE id = $1 AND created_at > $3
       AND (browser_hash = $2 OR (linking_user_id IS NOT NULL AND starts_with(browser_hash, '${LINK_SESSION}')))
     RETURNING *`,
    [id, browserHash ?? null, startedAfter],
  );
  if (consumed[0]) return consumed[0];
  // Not consumed: a flow started in another browser is left alone, so a forged callback cannot
  // burn the real user's sign-in.
  const rows = await db.query<{ created_at: Date }>('SELECT created_at FROM oauth_flows WHERE id = $1', [id]);
  if (!rows[0]) return 'not_found';
  if (new Date(rows[0].created_at) <= startedAfter) return 'expired';
  return 'other_browser';
}
