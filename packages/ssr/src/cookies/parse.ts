/** Reading a `Cookie` request header (RFC 6265 §5.4 is what browsers send: `a=1; b=2`). */
import type { RequestCookie } from './types.js';

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not percent-encoded by us: keep it as sent
  }
}

/**
 * The cookies of a `Cookie` header, in the order sent, values percent-decoded. When a name
 * repeats (cookies of several paths), the first is the most specific one (RFC 6265 §5.4 step 2
 * sorts longer paths first) and is the one kept.
 *
 * @example
 * parseCookieHeader('a=1; b=x%20y'); // [{ name: 'a', value: '1' }, { name: 'b', value: 'x y' }]
 */
export function parseCookieHeader(header: string | null | undefined): RequestCookie[] {
  const cookies: RequestCookie[] = [];
  if (!header) return cookies;
  const seen = new Set<string>();
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    if (!name || seen.has(name)) continue;
    let value = part.slice(index + 1).trim();
    // RFC 6265 §4.1.1: a cookie-value may be wrapped in DQUOTEs, which are not part of it.
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    seen.add(name);
    cookies.push({ name, value: decode(value) });
  }
  return cookies;
}
