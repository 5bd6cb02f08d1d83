/**
 * The token handler's session cookie: an opaque random id, HttpOnly, Secure, SameSite, nothing
 * else in it. The tokens stay on the server; the browser holds only a handle to them.
 */
import { resolveAttributes } from '../cookies/attributes.js';
import { parseCookieHeader } from '../cookies/parse.js';
import { serializeCookie } from '../cookies/serialize.js';
import type { CookieAttributes } from '../cookies/types.js';
import { SsrError } from '../errors.js';
import { randomToken, sha256 } from '../lib/hash.js';
import type { RequestView } from './request.js';

export interface TokenCookieOptions {
  /** Default `__Host-latchkey-session` (`latchkey-session` when `secure` is false). */
  name?: string;
  /** `Lax` (default) or `Strict`; `None` is refused (it would send the cookie cross-site). */
  sameSite?: 'Lax' | 'Strict' | 'lax' | 'strict';
  /** Default true. Only for local development over http; a `__Host-` name requires it. */
  secure?: boolean;
  /** Default `/`. Must be `/` with the `__Host-` prefix. */
  path?: string;
  /** Default none (host-only). Not allowed with the `__Host-` prefix. */
  domain?: string;
}

export interface SessionCookie {
  name: string;
  attributes: CookieAttributes;
  /** The session id the request carries, if it has a well-formed one. */
  read(request: RequestView): string | null;
  /** `Set-Cookie` for a new session id. */
  set(id: string): string;
  /** `Set-Cookie` that deletes the cookie. */
  clear(): string;
}

/**
 * 32 bytes from the platform CSPRNG: 256 bits of entropy, so guessing a live id is a 2^-256
 * chance per try per session (and the ids are never derived from anything an attacker sees).
 */
const ID_BYTES = 32;
const ID_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export function newSessionId(): string {
  return randomToken(ID_BYTES);
}

/**
 * The store key of a session id: its SHA-256. Only this reaches the store, so a leaked store
 * (a backup, a replica, a `KEYS *`, an injection elsewhere) yields no cookie that would work.
 * A plain, unsalted, fast hash suffices because the id is 256 random bits: there is no
 * dictionary to try and nothing to brute-force, unlike a password. And looking a key up cannot
 * leak the id through timing: the attacker controls the id, not the stored hash it is compared to.
 */
export function storeKey(id: string): Promise<string> {
  return sha256(id);
}

export function resolveSessionCookie(options: TokenCookieOptions = {}, maxAgeSeconds: number): SessionCookie {
  const where = 'createTokenHandler';
  const secure = options.secure ?? true;
  const name = options.name ?? (secure ? '__Host-latchkey-session' : 'latchkey-session');
  const sameSite = (options.sameSite ?? 'Lax').toLowerCase();
  // SameSite=None would attach the cookie to cross-site requests: exactly what CSRF needs.
  if (sameSite !== 'lax' && sameSite !== 'strict')
    throw new SsrError('invalid_argument', `${where}: cookie.sameSite must be "Lax" or "Strict".`);
  const attributes = resolveAttributes(
    name,
    // HttpOnly is not an option: page scripts (and so XSS) must never read the session handle.
    {
      path: options.path,
      domain: options.domain,
      sameSite: sameSite === 'lax' ? 'Lax' : 'Strict',
      secure,
      httpOnly: true,
      maxAge: maxAgeSeconds,
    },
    true,
    `${where} (cookie)`,
  );
  return {
    name,
    attributes,
    read(request) {
      const cookie = parseCookieHeader(request.header('cookie')).find((c) => c.name === name);
      // Anything but the exact shape we issue is not a session: it never reaches the store.
      return cookie && ID_FORMAT.test(cookie.value) ? cookie.value : null;
    },
    set: (id) => serializeCookie({ name, value: id, options: attributes }),
    clear: () => serializeCookie({ name, value: '', options: { ...attributes, maxAge: 0 } }),
  };
}
