/**
 * Reading and cleaning the URL an email link (or GoTrue's redirect) brought the user back to.
 *
 * GoTrue answers `GET /verify` with a redirect to `redirect_to` carrying either
 * - the session in the fragment (implicit flow): `#access_token=…&expires_in=…&expires_at=…&
 *   refresh_token=…&token_type=bearer&type=magiclink`,
 * - a one-time code in the query (PKCE): `?code=…`, or
 * - an error, in the fragment and (PKCE) the query: `error=access_denied&error_code=otp_expired&
 *   error_description=…` (plus `sb` in the fragment).
 */
import { isKnownCode, LatchkeyError } from '../errors.js';

/** What GoTrue writes into a fragment; removed from the URL once read. */
export const FRAGMENT_KEYS = [
  'access_token',
  'refresh_token',
  'expires_in',
  'expires_at',
  'token_type',
  'type',
  'provider_token',
  'provider_refresh_token',
  'error',
  'error_code',
  'error_description',
  'sb',
];
export const ERROR_KEYS = ['error', 'error_code', 'error_description'];

/** GoTrue's `error` values (its oauthErrorMap) and the statuses they stand for. */
const OAUTH_STATUS: Record<string, number> = {
  invalid_request: 400,
  unauthorized_client: 401,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
};

function fragmentParams(url: URL): URLSearchParams {
  return new URLSearchParams(url.hash.slice(1));
}

/** The fragment's parameters overlaid with the query's (the query wins, as in supabase-js). */
export function callbackParams(url: URL): Record<string, string> {
  const params: Record<string, string> = {};
  // A fragment that is not a query string (`#/route` of a hash router) yields nothing we look for.
  for (const [key, value] of fragmentParams(url)) params[key] = value;
  for (const [key, value] of url.searchParams) params[key] = value;
  return params;
}

/**
 * `url` without what the callback put in it: `queryKeys` from the query, GoTrue's keys from the
 * fragment. A fragment without any of them (a hash router's `#/route`) is left exactly as it is.
 */
export function cleanedUrl(url: URL, queryKeys: string[]): string {
  const next = new URL(url.href);
  for (const key of queryKeys) if (next.searchParams.has(key)) next.searchParams.delete(key);
  const fragment = fragmentParams(next);
  if (FRAGMENT_KEYS.some((key) => fragment.has(key))) {
    for (const key of FRAGMENT_KEYS) fragment.delete(key);
    const rest = fragment.toString();
    next.hash = rest ? `#${rest}` : '';
  }
  return next.href;
}

/** Whether the URL reports a failed verification. Only GoTrue's `error_code` / `error_description`: an app's own `?error=` is left alone. */
export function hasCallbackError(params: Record<string, string>): boolean {
  return Boolean(params.error_code || params.error_description);
}

/**
 * The error a callback URL reports: GoTrue's `error_code` when this client knows it (`otp_expired`
 * for a used or expired link, …), else `unexpected_response`. The description is the server's
 * text, cut short (it came through a URL anyone can craft: show it as text, never as HTML).
 */
export function callbackError(params: Record<string, string>): LatchkeyError {
  const raw = params.error_code;
  const code = isKnownCode(raw) ? raw : 'unexpected_response';
  const message = (
    params.error_description || `The sign-in link failed (${(raw || params.error || 'no reason given').slice(0, 64)}).`
  ).slice(0, 300);
  return new LatchkeyError(code, message, { status: OAUTH_STATUS[params.error ?? ''] ?? 0 });
}
