/**
 * `signInWithOAuth`: the URL that starts a sign-in with an identity provider (`GET /authorize` on
 * the auth server, which sends the browser on to the provider). Nothing is requested here: the
 * browser is sent there, and comes back to `redirectTo` with the session in the fragment
 * (implicit) or a `?code=` (PKCE), handled by `detectSessionInUrl` or `exchangeCodeForSession`.
 */
import type { LatchkeyClient } from '../client.js';
import { withClient } from '../internals.js';
import { navigate, providerQuery } from '../lib/provider-url.js';
import type { Result } from '../types.js';
import { beginPkce } from './pkce-flow.js';
import { fail, invalid, ok } from './result.js';

export interface SignInWithOAuthCredentials {
  /** The provider's name as the server configures it (`google`, `github`, or a custom OIDC one). */
  provider: string;
  /** Where the browser comes back: the server's site URL or an entry of its redirect allow list. */
  redirectTo?: string;
  /** Space-separated scopes to ask the provider for, beyond the server's defaults. */
  scopes?: string;
  /** Extra query parameters for the provider's authorization request (e.g. `{ prompt: 'consent' }`). */
  queryParams?: Record<string, string>;
  /** Only build the URL (open it yourself: a popup, an in-app browser); the page is not navigated. */
  skipBrowserRedirect?: boolean;
}

/** `url`: where to send the browser. */
export type OAuthResult = Result<{ provider: string; url: string }>;

const KEYS: ('provider' | 'url')[] = ['provider', 'url'];

/**
 * Starts a sign-in with an identity provider: builds the auth server's `/authorize` URL and, in a
 * browser, navigates to it (unless `skipBrowserRedirect`). With `flowType: 'pkce'` the URL carries
 * an S256 code challenge and the verifier is kept in this client's storage, so the `?code=` that
 * comes back can only be exchanged here.
 *
 * @example
 * import { signInWithOAuth } from '@latchkey/client';
 * await signInWithOAuth(auth, { provider: 'github', redirectTo: 'https://app.example/auth/callback' });
 * // React Native: open data.url in an auth session, then exchangeCodeForSession(auth, code)
 * const { data } = await signInWithOAuth(auth, { provider: 'google', skipBrowserRedirect: true });
 */
export function signInWithOAuth(client: LatchkeyClient, credentials: SignInWithOAuthCredentials): Promise<OAuthResult> {
  return withClient(client, KEYS, async (ctx) => {
    if (typeof credentials?.provider !== 'string' || !credentials.provider)
      return fail(KEYS, invalid('signInWithOAuth needs { provider }.'));
    const { provider, redirectTo, scopes, queryParams, skipBrowserRedirect } = credentials;
    try {
      const pkce = await beginPkce(ctx);
      const url = `${ctx.options.url.replace(/\/+$/, '')}/authorize?${providerQuery({ provider, redirectTo, scopes, queryParams }, pkce?.params)}`;
      // No request precedes the navigation, so the verifier is kept now: the `?code=` comes back
      // to a page of this origin, which finds it in the same storage.
      await pkce?.save();
      if (!skipBrowserRedirect) navigate(url);
      return ok({ provider, url });
    } catch (error) {
      return fail(KEYS, error);
    }
  });
}
