/**
 * The `state` of a provider sign-in, and what binds it to the browser that started it.
 *
 * state = `<flow id>.<HMAC-SHA256(state key, flow id)>`: signed, so a callback cannot name a flow
 * it was not given (ids are random UUIDs anyway; the MAC also keeps forged states from costing a
 * database read). Short-lived and single-use come from the flow row (store/oauth-flows.ts),
 * consumed by one DELETE. The browser binding is a random cookie whose SHA-256 the flow keeps: a
 * callback carrying someone else's state (login CSRF: an attacker's provider code planted in the
 * victim's browser) arrives without the matching cookie and fails.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie naming the browser; HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back). */
export const BROWSER_COOKIE = 'latchkey-oauth-browser';

export function signState(key: Buffer, flowId: string): string {
  return `${flowId}.${createHmac('sha256', key).update(`oauth-state:${flowId}`).digest('base64url')}`;
}

/** The flow id a state names, or undefined when its MAC is wrong (compared in constant time). */
export function verifyState(key: Buffer, state: string): string | undefined {
  const dot = state.indexOf('.');
  if (dot <= 0 || state.length > 200) return undefined;
  const flowId = state.slice(0, dot);
  const expected = Buffer.from(signState(key, flowId));
  const given = Buffer.from(state);
  return expected.length === given.length && timingSafeEqual(expected, given) ? flowId : undefined;
}

/** A fresh browser secret: 256 random bits, so its SHA-256 in the database reveals nothing usable. */
export function mintBrowserSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashBrowserSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A provider nonce or PKCE verifier: 256 random bits, base64url (43 characters, RFC 7636 §4.1). */
export function mintProviderSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie of the browser secret: only over HTTPS when the API is served over HTTPS. */
export function browserCookie(secret: string, secure: boolean, maxAgeSeconds: number): string {
  return `${BROWSER_COOKIE}=${secret}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
