/**
 * What this package needs to know of a stored `@latchkey/client` session: whether a stored value
 * is one the client can use, and when the client considers it due for a refresh. Both mirror the
 * client's own rules (`parseStoredSession`, `needsRefresh`), which it does not export.
 */
import type { Session } from '@latchkey/client';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The session in a stored value, or null when the client would not read one from it. */
export function parseSession(raw: string | null): Session | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (
      isObject(value) &&
      typeof value.access_token === 'string' &&
      typeof value.refresh_token === 'string' &&
      typeof value.expires_at === 'number' &&
      isObject(value.user) &&
      typeof value.user.id === 'string'
    ) {
      return value as unknown as Session;
    }
  } catch {
    // not JSON: no session
  }
  return null;
}

/**
 * The client's rule: refresh `marginMs` before expiry, but at most half the token's lifetime
 * ahead, so short-lived tokens are not refreshed on every call.
 */
export function isDue(session: Session, now: number, marginMs: number): boolean {
  const lifetime = (session.expires_in > 0 ? session.expires_in : 3600) * 1000;
  return now >= session.expires_at * 1000 - Math.min(marginMs, lifetime / 2);
}

export function isExpired(session: Session, now: number): boolean {
  return now >= session.expires_at * 1000;
}
