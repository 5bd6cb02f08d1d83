/**
 * Cookie attributes, declared once and checked once: the rules browsers apply silently (a cookie
 * that breaks them is dropped without a word) are enforced here with a coded error instead.
 */
import { SsrError } from '../errors.js';
import type { CookieAttributes } from './types.js';

/**
 * 400 days: RFC 6265bis has user agents cap a cookie's age there (§5.5, the cookie-age limit,
 * applied to `Max-Age` in §5.6.2), and Chrome does. A larger value would be cut short silently,
 * so it is refused.
 * https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.5
 */
export const MAX_AGE_LIMIT = 400 * 24 * 3600;

/** The attributes a caller may choose (both designs; the BFF cookie restricts some further). */
export interface CookieAttributeOptions {
  path?: string;
  domain?: string;
  sameSite?: 'Lax' | 'Strict' | 'None' | 'lax' | 'strict' | 'none';
  secure?: boolean;
  httpOnly?: boolean;
  maxAge?: number;
}

// RFC 6265 §4.1.1: cookie-name is an RFC 2616 token. https://www.rfc-editor.org/rfc/rfc6265#section-4.1.1
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Attribute values end at ';' and may not hold controls (RFC 6265 §4.1.1 av-octet).
const ATTRIBUTE_VALUE = /^[^\x00-\x1f\x7f;]+$/;

function invalid(where: string, message: string): SsrError {
  return new SsrError('invalid_argument', `${where}: ${message}`);
}

/** Throws unless `name` is a cookie-name token. */
export function checkCookieName(name: unknown, where: string): asserts name is string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw invalid(where, "the cookie name must be a non-empty RFC 6265 token (letters, digits and !#$%&'*+-.^_`|~).");
  }
}

/**
 * The attributes of cookie `name` with the defaults applied (`Path=/`, `SameSite=Lax`,
 * `HttpOnly`, `Max-Age` 400 days), after checking every rule a browser would otherwise enforce by
 * dropping the cookie.
 */
export function resolveAttributes(name: string, options: CookieAttributeOptions, secureDefault: boolean, where: string): CookieAttributes {
  checkCookieName(name, where);
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || !ATTRIBUTE_VALUE.test(path)) {
    throw invalid(where, '`path` must start with "/" and hold no ";" or control characters.');
  }
  const domain = options.domain;
  if (domain !== undefined && (typeof domain !== 'string' || !ATTRIBUTE_VALUE.test(domain) || /\s/.test(domain))) {
    throw invalid(where, '`domain` must be a host name without spaces, ";" or control characters.');
  }
  const sameSite = (options.sameSite ?? 'Lax').toLowerCase();
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') {
    throw invalid(where, '`sameSite` must be "Lax", "Strict" or "None".');
  }
  const maxAge = options.maxAge ?? MAX_AGE_LIMIT;
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_AGE_LIMIT) {
    throw invalid(where, '`maxAge` must be a whole number of seconds from 0 to 34560000 (400 days, what browsers keep).');
  }
  const secure = options.secure ?? secureDefault;
  const httpOnly = options.httpOnly ?? true;
  if (typeof secure !== 'boolean' || typeof httpOnly !== 'boolean') throw invalid(where, '`secure` and `httpOnly` must be booleans.');

  // RFC 6265bis §4.1.3.1: a "__Secure-" cookie is accepted only with the Secure attribute, from a
  // secure origin (browsers match the prefix case-insensitively, so we do too).
  // https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3.1
  const lower = name.toLowerCase();
  if ((lower.startsWith('__secure-') || lower.startsWith('__host-')) && !secure) {
    throw invalid(where, `a cookie named "${name.slice(0, 9)}…" needs Secure (serve over https, or choose a name without the prefix).`);
  }
  // RFC 6265bis §4.1.3.2: a "__Host-" cookie must also have Path=/ and no Domain, which pins it to
  // the exact host that set it (no sibling subdomain can set or shadow it).
  // https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3.2
  if (lower.startsWith('__host-') && (domain !== undefined || path !== '/')) {
    throw invalid(where, 'a "__Host-" cookie must have Path=/ and no Domain (RFC 6265bis §4.1.3.2).');
  }
  // SameSite=None without Secure is dropped by every current browser (Chrome since 80, Firefox,
  // Safari): "None" is only honoured on Secure cookies. https://web.dev/articles/samesite-cookies-explained
  if (sameSite === 'none' && !secure) throw invalid(where, 'SameSite=None needs Secure.');

  const attributes: CookieAttributes = { path, maxAge, sameSite, secure, httpOnly };
  if (domain !== undefined) attributes.domain = domain;
  return attributes;
}

/**
 * Bytes a `Set-Cookie` line spends outside the value: the name, `=`, and the attributes. RFC 6265
 * §6.1 asks browsers to keep cookies of at least 4096 bytes counting name, value and attributes
 * (https://www.rfc-editor.org/rfc/rfc6265#section-6.1);
 * that is the budget a chunk must fit in.
 */
export function overheadBytes(name: string, attributes: CookieAttributes): number {
  const parts = [`Path=${attributes.path}`, `Max-Age=${attributes.maxAge}`, `SameSite=${attributes.sameSite}`];
  if (attributes.domain) parts.push(`Domain=${attributes.domain}`);
  if (attributes.httpOnly) parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  return name.length + 1 + parts.reduce((sum, part) => sum + part.length + 2, 0);
}
