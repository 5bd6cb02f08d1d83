/**
 * The PKCE code verifier of an email link the token handler asked for, kept in the browser in an
 * HttpOnly cookie from the request that sent the link until the link comes back to
 * `<basePath>/callback` — which, for a link opened from a mail client, is another site's
 * navigation: so the cookie is SameSite=Lax even when the session cookie is Strict. On its own it
 * is worthless; it counts only with the single-use code in that link, which it binds to this
 * browser (a link opened elsewhere, or planted by someone else, cannot be exchanged here).
 */
import { parseCookieHeader } from '../cookies/parse.js';
import { serializeCookie } from '../cookies/serialize.js';
import type { RequestView } from './request.js';
import type { SessionCookie } from './session-cookie.js';

/** A day: the longest GoTrue lets a link live (`MAILER_OTP_EXP` ≤ 86400 s). */
const MAX_AGE = 86_400;
/** 43 base64url characters (32 random bytes, @latchkey/client's verifiers), `/recovery` for a recovery. */
const FORMAT = /^[A-Za-z0-9_-]{43}(\/recovery)?$/;

export interface VerifierCookie {
  read(request: RequestView): string | null;
  set(verifier: string): string;
  clear(): string;
}

export function verifierCookie(session: SessionCookie): VerifierCookie {
  const name = `${session.name}-verifier`;
  const attributes = { ...session.attributes, maxAge: MAX_AGE, sameSite: 'lax' as const };
  return {
    read(request) {
      const value = parseCookieHeader(request.header('cookie')).find((c) => c.name === name)?.value;
      return value && FORMAT.test(value) ? value : null;
    },
    set: (verifier) => serializeCookie({ name, value: verifier, options: attributes }),
    clear: () => serializeCookie({ name, value: '', options: { ...attributes, maxAge: 0 } }),
  };
}
