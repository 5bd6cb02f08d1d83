/**
 * Glue for Web-standard servers (`Request` → `Response`: Deno, Bun, Cloudflare, Hono, Next.js
 * route handlers and middleware).
 */
import { parseCookieHeader } from '../cookies/parse.js';
import { rewriteCookieHeader } from '../cookies/request-header.js';
import { serializeCookie } from '../cookies/serialize.js';
import type { CookieMethods, CookieToSet, RequestCookie } from '../cookies/types.js';

export interface WebCookies extends CookieMethods {
  /** The `Set-Cookie` values written so far, in order. */
  setCookieHeaders(): string[];
  /**
   * Appends the `Set-Cookie` headers to `response` and returns it — or, when its headers are
   * immutable (`Response.redirect()`, a response from `fetch`), a copy that has them.
   */
  applyTo(response: Response): Response;
  /**
   * The request's headers with `Cookie` updated to what was written, for passing the request on
   * (Next.js middleware: `NextResponse.next({ request: { headers: cookies.requestHeaders() } })`),
   * so later handlers see the refreshed session instead of refreshing again.
   */
  requestHeaders(): Headers;
}

/**
 * Cookie methods for a Web `Request`; collects what the server client writes, for the response.
 * `Secure` follows the request's scheme (`https:` → Secure).
 *
 * @example
 * const cookies = webCookies(request);
 * const auth = createServerClient({ url, cookies });
 * const { data: { user } } = await auth.getUser();
 * return cookies.applyTo(Response.json({ user }));
 */
export function webCookies(request: Request): WebCookies {
  const current = new Map<string, string>(parseCookieHeader(request.headers.get('cookie')).map((c) => [c.name, c.value]));
  const written: string[] = [];
  const changes: CookieToSet[] = [];
  let secure = true;
  try {
    secure = new URL(request.url).protocol === 'https:';
  } catch {
    // a relative URL (some test harnesses): keep the safe default
  }
  return {
    secure,
    getAll: (): RequestCookie[] => [...current].map(([name, value]) => ({ name, value })),
    setAll(cookies) {
      for (const cookie of cookies) {
        written.push(serializeCookie(cookie));
        changes.push(cookie);
        if (cookie.options.maxAge === 0) current.delete(cookie.name);
        else current.set(cookie.name, cookie.value);
      }
    },
    setCookieHeaders: () => [...written],
    applyTo(response) {
      if (written.length === 0) return response;
      let target = response;
      const apply = (to: Response) => {
        for (const line of written) to.headers.append('set-cookie', line);
        // A response that sets session cookies is one user's: no shared cache (CDN, proxy) may
        // keep it and hand the tokens to the next visitor (RFC 9111 §5.2.2.5, §5.2.2.7).
        to.headers.set('cache-control', 'private, no-store');
      };
      try {
        apply(target);
      } catch {
        // Immutable headers: copy the response (same body stream, status and headers), then append.
        target = new Response(response.body, response);
        apply(target);
      }
      return target;
    },
    requestHeaders() {
      const headers = new Headers(request.headers);
      const header = rewriteCookieHeader(request.headers.get('cookie'), changes);
      if (header) headers.set('cookie', header);
      else headers.delete('cookie');
      return headers;
    },
  };
}
