/**
 * `@latchkey/client/session-rules`: the client's own rules for a stored session, for server-side
 * code that reads the same storage (`@latchkey/ssr`) and must agree with the client exactly.
 * A subpath, so the main entry point stays small.
 */
import { needsRefresh, parseStoredSession } from './session/session.js';

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
