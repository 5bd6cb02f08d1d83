/** Session values: reading them off the wire and out of storage, and the expiry arithmetic. */
import { LatchkeyError } from '../errors.js';
import type { AuthChangeEvent, Session, User } from '../types.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isUser(value: unknown): value is User {
  return isObject(value) && typeof value.id === 'string';
}

/** True when `body` carries a session (GoTrue answers sign-up without one when confirmation is pending). */
export function hasSession(body: unknown): boolean {
  return isObject(body) && typeof body.access_token === 'string';
}

/**
 * The session in a token response (sign-up, sign-in, refresh). `expires_at` is recomputed from
 * `expires_in` on this device's clock: the server's `expires_at` is in the server's clock, and a
 * device clock a few minutes off would otherwise refresh on every call (clock ahead) or send
 * expired tokens (clock behind).
 */
export function sessionFromResponse(body: unknown, now: number): Session {
  if (
    !isObject(body) ||
    typeof body.access_token !== 'string' ||
    typeof body.refresh_token !== 'string' ||
    typeof body.expires_in !== 'number' ||
    !(body.expires_in > 0) ||
    !isUser(body.user)
  ) {
    throw new LatchkeyError('unexpected_response', 'The auth server answered without a usable session.', { status: 200 });
  }
  return {
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    token_type: 'bearer',
    expires_in: body.expires_in,
    expires_at: Math.floor(now / 1000) + body.expires_in,
    user: body.user,
  };
}

/** The session a storage value holds, or null for none or for anything unreadable. */
export function parseStoredSession(raw: string | null): Session | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (
      isObject(value) &&
      typeof value.access_token === 'string' &&
      typeof value.refresh_token === 'string' &&
      typeof value.expires_at === 'number' &&
      isUser(value.user)
    ) {
      return value as unknown as Session;
    }
  } catch {
    // Unreadable (half-written, or written by something else): no session.
  }
  return null;
}

/**
 * The margin actually used for `session`: the configured one, but at most half the token's
 * lifetime, so a server with short-lived tokens (shorter than the margin) does not get a refresh
 * on every call.
 */
export function effectiveMargin(session: Session, marginMs: number): number {
  const lifetime = (session.expires_in > 0 ? session.expires_in : 3600) * 1000;
  return Math.min(marginMs, lifetime / 2);
}

/** When the refresher should renew `session` (ms since the epoch). */
export function refreshDueAt(session: Session, marginMs: number): number {
  return session.expires_at * 1000 - effectiveMargin(session, marginMs);
}

export function needsRefresh(session: Session, now: number, marginMs: number): boolean {
  return now >= refreshDueAt(session, marginMs);
}

export function isExpired(session: Session, now: number): boolean {
  return now >= session.expires_at * 1000;
}

/**
 * The event a change of the local session from `prev` to `next` means, when nobody said why
 * (a change seen in storage made by another tab, or adopted inside the lock).
 */
export function changeEvent(prev: Session | null, next: Session | null): AuthChangeEvent | undefined {
  if (!next) return prev ? 'SIGNED_OUT' : undefined;
  if (!prev || prev.user.id !== next.user.id) return 'SIGNED_IN';
  if (prev.access_token !== next.access_token || prev.refresh_token !== next.refresh_token) return 'TOKEN_REFRESHED';
  return JSON.stringify(prev.user) === JSON.stringify(next.user) ? undefined : 'USER_UPDATED';
}
