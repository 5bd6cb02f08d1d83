/**
 * The route an email link comes back to, on the server: `GET /auth/callback?code=…` (PKCE) is
 * exchanged for a session in the request's cookies, with the code verifier from the cookie that
 * was set when the server started the flow (`signInWithOtp(serverClient, …)`,
 * `resetPasswordForEmail`, `signUp`, `updateUser({ email })` with a server client, whose
 * `flowType` is `pkce`), and the browser is sent on with a 303.
 *
 * - Success: to the link's `next` (a path on this origin: anything else is ignored, so the route
 *   is no open redirect), else `redirectTo`; a recovery goes to `recoveryRedirectTo` first.
 *   `Location` stays relative when the target is a path (a proxy's internal origin never shows).
 * - Failure (GoTrue's error redirect, a used or expired code, no verifier cookie because the link
 *   was opened in another browser): to `errorRedirectTo` with `error_code` and
 *   `error_description` in its query. A session the browser already had is kept.
 * - With `verifyTokenHash`, also `?token_hash=…&type=…` (email templates linking to your app
 *   with `{{ .TokenHash }}`): verified server-side, so such links work in any browser.
 */
import { exchangeCodeForSession, verifyOtp, type EmailOtpType, type LatchkeyError } from '@latchkey/client';
import type { CookieMethods } from './cookies/types.js';
import { SsrError } from './errors.js';
import { webCookies } from './glue/web.js';
import { isTarget, returnedError, safeNext, seeOther, withQuery } from './lib/redirect-target.js';
import { createServerClient, type ServerClientOptions } from './server-client.js';

export interface AuthCallbackOptions extends Omit<ServerClientOptions, 'cookies' | 'flowType'> {
  /** Where a signed-in user goes when the link names no `next` path. A path or an absolute URL. Default `/`. */
  redirectTo?: string;
  /** Where a user signed in by a password-recovery link goes (to choose a new password). Default: as any other. */
  recoveryRedirectTo?: string;
  /** Where the user goes when the link failed, with `error_code` and `error_description` added to the query. Default `redirectTo`. */
  errorRedirectTo?: string;
  /**
   * Also accept `?token_hash=…&type=…` links. Default false. They work in any browser (no verifier),
   * and so also sign in whoever opens a link someone sends them: a stranger's link signs the victim
   * into the stranger's account (login CSRF). PKCE links cannot be used that way.
   */
  verifyTokenHash?: boolean;
}

const TYPES = new Set<string>(['email', 'recovery', 'invite', 'email_change', 'signup', 'magiclink']);

function checkTarget(value: unknown, name: string): void {
  if (value !== undefined && !isTarget(value)) {
    throw new SsrError('invalid_argument', `authCallback: \`${name}\` must be a path ("/…") or an absolute http(s) URL.`);
  }
}

/** Checks the options once, when the route is made, rather than at every request. */
export function checkCallbackOptions(options: AuthCallbackOptions): void {
  if (!options || typeof options.url !== 'string')
    throw new SsrError('invalid_argument', 'authCallback: `url` (the auth server) is required.');
  checkTarget(options.redirectTo, 'redirectTo');
  checkTarget(options.recoveryRedirectTo, 'recoveryRedirectTo');
  checkTarget(options.errorRedirectTo, 'errorRedirectTo');
}

/**
 * Handles one callback request: signs in through a server client over `cookies` (which receive
 * the session, and the verifier's deletion) and resolves to where the browser goes next.
 */
export async function callbackTarget(requestUrl: URL, cookies: CookieMethods, options: AuthCallbackOptions): Promise<string> {
  const params = requestUrl.searchParams;
  const failed = (code: string, description: string) =>
    withQuery(options.errorRedirectTo ?? options.redirectTo ?? '/', {
      error_code: code.slice(0, 64),
      error_description: description.slice(0, 300),
    });
  // GoTrue's error redirect (PKCE flows carry it in the query): a used or expired link, mostly.
  const returned = returnedError(params);
  if (returned) return failed(returned.code, returned.description);
  const { redirectTo, recoveryRedirectTo, errorRedirectTo: _e, verifyTokenHash, ...clientOptions } = options;
  const auth = createServerClient({ ...clientOptions, cookies, flowType: 'pkce' });
  const code = params.get('code');
  const tokenHash = params.get('token_hash');
  const type = params.get('type') ?? '';
  let error: LatchkeyError | null;
  let recovery: boolean;
  if (code) {
    const result = await exchangeCodeForSession(auth, code);
    error = result.error;
    recovery = result.data?.redirectType === 'recovery';
  } else if (verifyTokenHash && tokenHash && TYPES.has(type)) {
    ({ error } = await verifyOtp(auth, { type: type as EmailOtpType, token_hash: tokenHash }));
    recovery = type === 'recovery';
  } else {
    return failed('validation_failed', 'The link holds no code to sign in with.');
  }
  if (error) return failed(error.code, error.message);
  const next = safeNext(params.get('next'));
  return (recovery ? (recoveryRedirectTo ?? next ?? redirectTo) : (next ?? redirectTo)) ?? '/';
}

/**
 * The callback route for Web-standard servers (Next.js route handlers, Remix, SvelteKit, Hono,
 * Deno, Bun, Workers): `Request` in, a 303 `Response` with the session cookies out. Give the
 * link's `redirect_to` (the `emailRedirectTo` / `redirectTo` of the call that sent it) this
 * route's URL, with `?next=/path` if the user should land somewhere in particular; the auth
 * server's redirect allow list must accept it.
 *
 * @example
 * // app/auth/callback/route.ts
 * import { authCallback } from '@latchkey/ssr';
 * export const GET = authCallback({ url: process.env.LATCHKEY_URL!, redirectTo: '/dashboard', recoveryRedirectTo: '/new-password', errorRedirectTo: '/login' });
 */
export function authCallback(options: AuthCallbackOptions): (request: Request) => Promise<Response> {
  checkCallbackOptions(options);
  return async (request) => {
    const cookies = webCookies(request);
    const location = await callbackTarget(new URL(request.url), cookies, options);
    return cookies.applyTo(seeOther(location));
  };
}
