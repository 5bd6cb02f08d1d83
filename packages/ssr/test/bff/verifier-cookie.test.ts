/** The email flows' verifier cookie: beside the session cookie, Lax, a day, HttpOnly; only verifiers are read back. */
import { describe, expect, it } from 'vitest';
import { resolveSessionCookie } from '../../src/bff/session-cookie.js';
import { verifierCookie } from '../../src/bff/verifier-cookie.js';

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const view = (cookie: string) => ({
  method: 'GET',
  origin: 'https://app.example',
  header: (name: string) => (name === 'cookie' ? cookie : null),
});

describe('verifier cookie', () => {
  it('is named after the session cookie, HttpOnly, Secure, SameSite=Lax even when the session is Strict, one day', () => {
    const cookie = verifierCookie(resolveSessionCookie({ sameSite: 'Strict' }, 604_800));
    expect(cookie.set(`${VERIFIER}/recovery`)).toBe(
      `__Host-latchkey-session-verifier=${VERIFIER}%2Frecovery; Path=/; Max-Age=86400; HttpOnly; Secure; SameSite=Lax`,
    );
    expect(cookie.clear()).toBe('__Host-latchkey-session-verifier=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax');
  });

  it('reads back a verifier (or a recovery’s), and nothing else', () => {
    const cookie = verifierCookie(resolveSessionCookie({}, 604_800));
    expect(cookie.read(view(`__Host-latchkey-session-verifier=${VERIFIER}`))).toBe(VERIFIER);
    expect(cookie.read(view(`__Host-latchkey-session-verifier=${VERIFIER}%2Frecovery`))).toBe(`${VERIFIER}/recovery`);
    for (const value of ['short', `${VERIFIER}/other`, `${VERIFIER}x`, '']) {
      expect(cookie.read(view(`__Host-latchkey-session-verifier=${encodeURIComponent(value)}`)), value).toBeNull();
    }
  });
});
