/**
 * Rewriting a request's `Cookie` header after cookies were set on the response, so that code
 * later in the same request (Next.js pages after middleware, a second server client in Express)
 * sees the new session. Cookies this package did not write keep their bytes exactly as sent.
 */
import type { CookieToSet } from './types.js';

/** `header` with each cookie of `written` replaced (or removed, for a deletion), others untouched. */
export function rewriteCookieHeader(header: string | null | undefined, written: CookieToSet[]): string {
  const pairs = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    const name = index > 0 ? part.slice(0, index).trim() : '';
    if (name && !pairs.has(name)) pairs.set(name, part.trim());
  }
  for (const cookie of written) {
    if (cookie.options.maxAge === 0) pairs.delete(cookie.name);
    else pairs.set(cookie.name, `${cookie.name}=${encodeURIComponent(cookie.value)}`);
  }
  return [...pairs.values()].join('; ');
}
