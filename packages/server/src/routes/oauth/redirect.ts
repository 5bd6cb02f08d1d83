/** Answers of the provider flows that go back to the app: GoTrue's error parameters, the session fragment, the PKCE code. */
import type { LatchkeyError } from '../../errors.js';
import type { Reply } from '../../http/route.js';

/** GoTrue's `error` per HTTP status of a coded error (its oauthErrorMap). */
function oauthError(error: LatchkeyError): string {
  if (error.code === 'signup_disabled' || error.code === 'user_banned') return 'access_denied';
  if (error.status === 400) return 'invalid_request';
  if (error.status === 401) return 'unauthorized_client';
  if (error.status === 403) return 'access_denied';
  if (error.status === 502 || error.status === 503) return 'temporarily_unavailable';
  return 'server_error';
}

/**
 * Back to the app with `error`, `error_code` and `error_description` in the query and the
 * fragment (GoTrue sends both). Never a server page, never a stack.
 */
export function errorRedirect(to: string, error: LatchkeyError | { error: string; description: string }): Reply {
  const params = new URLSearchParams();
  if ('code' in error) {
    params.set('error', oauthError(error));
    params.set('error_code', error.code);
    params.set('error_description', error.message);
  } else {
    // The provider's own refusal (a denied consent) passes through as GoTrue passes it.
    params.set('error', error.error);
    params.set('error_description', error.description);
  }
  const url = new URL(to);
  for (const [key, value] of params) url.searchParams.set(key, value);
  url.hash = new URLSearchParams([...params, ['sb', '']]).toString();
  return { status: 302, headers: { location: url.href, 'cache-control': 'no-store' } };
}

export function redirectWith(to: string, where: 'query' | 'fragment', values: Record<string, string | undefined>): Reply {
  const url = new URL(to);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, value);
  if (where === 'query') for (const [key, value] of params) url.searchParams.set(key, value);
  else url.hash = params.toString();
  // Tokens ride in the fragment, which browsers never send to a server or put in a Referer.
  return { status: 302, headers: { location: url.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } };
}
