/** Writing a `Set-Cookie` header value. */
import type { CookieToSet } from './types.js';

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/**
 * One `Set-Cookie` header value. The value is percent-encoded (`encodeURIComponent`), which keeps
 * it inside RFC 6265 §4.1.1's cookie-octets (no whitespace, `"`, `,`, `;` or `\`) and matches what
 * Next.js, Express and `@latchkey/client`'s `cookieStorage` do, so each reads the others' cookies.
 *
 * @example
 * serializeCookie({ name: 'a', value: 'x y', options: { path: '/', maxAge: 60, sameSite: 'lax', secure: true, httpOnly: true } });
 * // 'a=x%20y; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax'
 */
export function serializeCookie(cookie: CookieToSet): string {
  const { options } = cookie;
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`, `Path=${options.path}`];
  if (options.domain) parts.push(`Domain=${options.domain}`);
  parts.push(`Max-Age=${Math.floor(options.maxAge)}`);
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  parts.push(`SameSite=${SAME_SITE[options.sameSite]}`);
  return parts.join('; ');
}
