/**
 * `@latchkey/client/session-rules`: the client's own rules for a stored session, for server-side
 * code that reads the same storage (`@latchkey/ssr`) and must agree with the client exactly.
 * A subpath, so the main entry point stays small.
 */
import { readClaims } from './lib/jwt-claims.js';
import type { Session } from './types.js';
import { needsRefresh, parseStoredSession, sessionFromResponse } from './session/session.js';

/**
 * The session a stored value holds, or null for none or anything the client would not read.
 *
 * @example
 * import { readStoredSession } from '@latchkey/client/session-rules';
 * const session = readStoredSession(cookieValue);
 */
export function readStoredSession(raw: string | null): ReturnType<typeof parseStoredSession> {
  return parseStoredSession(raw);
}

/**
 * Whether the client would refresh `session` now: `marginMs` before expiry, at most half the
 * token's lifetime ahead (short-lived tokens are not refreshed on every call).
 *
 * @example
 * import { isRefreshDue } from '@latchkey/client/session-rules';
 * if (isRefreshDue(session, Date.now(), 60_000)) await refresh();
 */
export function isRefreshDue(session: NonNullable<ReturnType<typeof parseStoredSession>>, now: number, marginMs: number): boolean {
  return needsRefresh(session, now, marginMs);
}

/** A session's assurance: the access token's `aal` and `amr` claims, read (not verified). */
export interface SessionAssurance {
  /** `aal1` or `aal2`; null when the token carries neither. */
  aal: 'aal1' | 'aal2' | null;
  /** How the session proved itself, the most recent method first (`totp`, `password`, …). */
  amr: { method: string; timestamp: number }[];
}

/**
 * The `aal` and `amr` claims of a session's access token, as `@latchkey/client/mfa`'s
 * `getAuthenticatorAssuranceLevel` reads them. For display and routing; an API that grants
 * something on `aal2` verifies the token (`@latchkey/verify`'s `requireAal`).
 *
 * @example
 * import { sessionAssurance } from '@latchkey/client/session-rules';
 * if (sessionAssurance(session.access_token).aal !== 'aal2') redirect('/second-factor');
 */
export function sessionAssurance(accessToken: string): SessionAssurance {
  const claims = readClaims(accessToken) ?? {};
  const aal = claims.aal === 'aal1' || claims.aal === 'aal2' ? claims.aal : null;
  return { aal, amr: Array.isArray(claims.amr) ? (claims.amr as SessionAssurance['amr']) : [] };
}

/**
 * The session in an auth server's token answer, as the client would store it: `expires_at`
 * recomputed from `expires_in` on `now` (this machine's clock). Throws `unexpected_response` for
 * an answer without a session. For server-side code that receives a session from a call of its own.
 *
 * @example
 * import { sessionFromTokenAnswer } from '@latchkey/client/session-rules';
 * const session = sessionFromTokenAnswer(await response.json(), Date.now());
 */
export function sessionFromTokenAnswer(body: unknown, now: number): Session {
  return sessionFromResponse(body, now);
}
