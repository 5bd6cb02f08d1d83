/**
 * What a console request is judged by: its cookie, CSRF header, Origin, Sec-Fetch-Site and Host,
 * and whether the console is served over https (which decides the cookie's name and Secure flag).
 */
import type { IncomingMessage } from 'node:http';

/** Over http (a developer's localhost) the cookie cannot be Secure, so it cannot carry __Host-. */
export const CONSOLE_COOKIE = 'latchkey_console';
/**
 * Over https: the __Host- prefix makes the browser refuse the cookie unless it is Secure, has
 * Path=/ and no Domain (RFC 6265bis §4.1.3.2), so no sibling subdomain can plant or shadow it.
 */
export const SECURE_CONSOLE_COOKIE = '__Host-latchkey_console';
/** The header the console's script sends its CSRF token in (a custom header: a cross-site form cannot send it). */
export const CSRF_HEADER = 'x-latchkey-csrf';

export interface BrowserRequest {
  /** The console cookie's value, if the request carries one. */
  cookieToken: string | undefined;
  csrf: string | undefined;
  origin: string | undefined;
  fetchSite: string | undefined;
  host: string | undefined;
  https: boolean;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function browserRequest(req: IncomingMessage, options: { issuer: string; trustProxy: boolean }): BrowserRequest {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  // https when the public URL says so, or when a trusted proxy says this request came over TLS.
  const https = options.issuer.startsWith('https://') || (options.trustProxy && header('x-forwarded-proto') === 'https');
  const cookie = header('cookie');
  return {
    cookieToken: cookieValue(cookie, https ? SECURE_CONSOLE_COOKIE : CONSOLE_COOKIE),
    csrf: header(CSRF_HEADER),
    origin: header('origin'),
    fetchSite: header('sec-fetch-site'),
    host: header('host'),
    https,
  };
}

/**
 * The Set-Cookie value of a console sign-in. HttpOnly: page script can never read it (an XSS
 * cannot carry it off). SameSite=Strict: the browser does not send it on any request another
 * site starts, not even a top-level navigation. Secure over https. Path=/ because the console
 * calls the admin API at /admin/…, outside /console.
 */
export function consoleCookie(token: string, maxAgeSeconds: number, https: boolean): string {
  const name = https ? SECURE_CONSOLE_COOKIE : CONSOLE_COOKIE;
  return `${name}=${token}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${https ? '; Secure' : ''}`;
}

/** Removes the cookie from the browser (sign-out). */
export function clearedConsoleCookie(https: boolean): string {
  return consoleCookie('', 0, https);
}
