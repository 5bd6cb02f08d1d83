/**
 * CSRF defence for requests the session cookie authenticates.
 *
 * The cookie is SameSite (Lax by default), which already keeps it off cross-site subrequests in
 * current browsers; this is the second, independent layer, and the one that also covers
 * same-site-but-cross-origin attackers (a sibling subdomain) that SameSite does not stop.
 */
import type { RequestView } from './request.js';

/** RFC 9110 §9.2.1 safe methods: they must not change state, so they need no CSRF check. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request may act with the session cookie. Safe methods always may. A state-changing
 * one must show it comes from the app itself:
 *
 * - `Sec-Fetch-Site: same-origin` (Fetch Metadata, W3C): set by the browser, a forbidden header
 *   name that page scripts cannot forge; or
 * - an `Origin` header (RFC 6454 §7; browsers send it on every POST, PUT, PATCH and DELETE)
 *   that is one of `allowed` — by default the origin the request was addressed to.
 *
 * Neither present, `Origin: null` (sandboxed frames, some redirects) or any other origin: refused.
 * Non-browser clients can send any header, but they do not hold the victim's cookie, which is
 * what CSRF abuses.
 */
export function isSameOriginRequest(request: RequestView, allowed: ReadonlySet<string> | undefined): boolean {
  if (SAFE.has(request.method)) return true;
  if (request.header('sec-fetch-site') === 'same-origin') return true;
  const origin = request.header('origin');
  if (!origin || origin === 'null') return false;
  if (allowed) return allowed.has(origin);
  return request.origin !== null && origin === request.origin;
}
