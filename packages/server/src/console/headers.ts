/** The headers of every console response: the page, its assets, its session routes, and its errors. */

/**
 * A strict Content-Security-Policy: scripts, styles and fetches from the console's own origin
 * only, nothing inline (no 'unsafe-inline': an injected <script> or on*= attribute does not run),
 * no plugins, no <base> rewriting, no framing (clickjacking), forms post only to itself.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  // The browser must not guess a type: a JSON answer is never run as script or rendered as HTML.
  'x-content-type-options': 'nosniff',
  // Console URLs carry user ids and filters: they stay out of other sites' Referer.
  'referrer-policy': 'no-referrer',
  // For browsers older than frame-ancestors.
  'x-frame-options': 'DENY',
  // No other window keeps a handle on the console's (window.opener tricks).
  'cross-origin-opener-policy': 'same-origin',
  // Other origins cannot embed the console's scripts or answers.
  'cross-origin-resource-policy': 'same-origin',
};

/** True for the console's paths (at the root, or under /auth/v1 for its session routes). */
export function isConsolePath(pathname: string): boolean {
  const path = pathname.startsWith('/auth/v1/') ? pathname.slice('/auth/v1'.length) : pathname;
  return path === '/console' || path.startsWith('/console/');
}
