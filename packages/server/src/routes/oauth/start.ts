/** Starting a provider sign-in (GET /authorize) or link (GET /user/identities/authorize): the flow row, the state, the browser cookie. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../app.js';
import {
  BROWSER_COOKIE,
  browserCookie,
  hashBrowserSecret,
  mintBrowserSecret,
  mintProviderSecret,
  readCookie,
  signState,
} from '../../crypto/oauth-state.js';
import { LatchkeyError } from '../../errors.js';
import type { Reply, RequestInfo } from '../../http/route.js';
import { PROVIDER_PRESETS } from '../../providers/settings.js';
import { ProviderUnavailable } from '../../providers/client.js';
import { createOAuthFlow, linkBinding, OAUTH_FLOW_LIFETIME_SECONDS } from '../../store/oauth-flows.js';
import { pkceChallenge, pkceFields } from '../email/pkce-params.js';
import { errorRedirect } from './redirect.js';

const fields = {
  provider: z.string().max(64).optional(),
  redirect_to: z.string().max(4096).optional(),
  scopes: z.string().max(1024).optional(),
  skip_http_redirect: z.string().max(8).optional(),
  ...pkceFields,
};

/**
 * Ours or the protocol's: never passed on to the provider. A client must not choose where the
 * provider sends the code, the state, the PKCE challenge or the nonce we check (as GoTrue strips them).
 */
const NOT_PASSED_ON = new Set([
  ...Object.keys(fields),
  'invite_token',
  'client_id',
  'client_secret',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'code_verifier',
  'nonce',
]);

/** Any other parameter (supabase-js's `queryParams`: `prompt`, `login_hint`, `hd`, …) goes on to the provider. */
export const authorizeQuery = z.object(fields).catchall(z.string().max(1024));

export type AuthorizeQuery = z.infer<typeof authorizeQuery>;

/** The provider's client, or GoTrue's 400 for a name that is not enabled here. */
export function providerClient(app: App, name: string | undefined) {
  const client = name ? app.providers.get(name.toLowerCase()) : undefined;
  if (!client) {
    const known = name !== undefined && name.toLowerCase() in PROVIDER_PRESETS;
    throw new LatchkeyError(
      'validation_failed',
      known ? 'Unsupported provider: provider is not enabled' : `Unsupported provider: Provider ${name ?? ''} could not be found`,
    );
  }
  return client;
}

/** Where the provider sends the user back: our /callback, or the URL registered in the settings. */
export function callbackUrl(app: App, redirectUri: string | undefined): string {
  return redirectUri ?? `${app.externalUrl().replace(/\/$/, '')}/callback`;
}

/** Who is linking: the signed-in user and the session the request came with (GET /user/identities/authorize). */
export interface Linking {
  userId: string;
  sessionId: string;
}

export async function startProviderFlow(app: App, query: AuthorizeQuery, request: RequestInfo, linking: Linking | null): Promise<Reply> {
  app.limiter.take('oauthPerIp', request.ip);
  const client = providerClient(app, query.provider);
  const pkce = pkceChallenge(query);
  // The same rule as the email links: the site, or an allow-listed URL, else the site URL.
  const redirectTo = app.redirects.resolve(query.redirect_to);
  const scopes = [...new Set([...client.config.scopes, ...(query.scopes ?? '').split(/[\s,]+/).filter(Boolean)])];
  // One secret per browser, reused while it lasts, so sign-ins in two tabs both complete.
  const existing = readCookie(request.cookie, BROWSER_COOKIE);
  const browserSecret = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : mintBrowserSecret();
  const flowId = randomUUID();
  const state = signState(app.oauthStateKey, flowId);
  const nonce = mintProviderSecret();
  const codeVerifier = mintProviderSecret();
  let url: URL;
  try {
    url = await client.authorizationUrl({ state, nonce, codeVerifier, redirectUri: callbackUrl(app, client.config.redirectUri), scopes });
    for (const [key, value] of Object.entries(query)) {
      // Never over a parameter the provider client set (the list above keeps the known ones out too).
      if (!NOT_PASSED_ON.has(key.toLowerCase()) && !url.searchParams.has(key) && typeof value === 'string') url.searchParams.set(key, value);
    }
  } catch (error) {
    if (!(error instanceof ProviderUnavailable)) throw error;
    app.log.warn('identity provider unavailable', { provider: client.config.name, error: error.message });
    // Back to the app with a clear error, nothing stored: the user may try again.
    return errorRedirect(redirectTo, new LatchkeyError('provider_unavailable'));
  }
  await createOAuthFlow(app.db, {
    id: flowId,
    provider: client.config.name,
    // A sign-in is bound to this browser by the cookie below, so a callback planted in another
    // browser (login CSRF) fails. A link cannot be: supabase-js fetches this route cross-origin
    // without credentials, so the browser drops our Set-Cookie and the callback would never match.
    // A link is bound to the user and session that asked, proven by their bearer token here: the
    // callback links to that user only, and only while that session lives (callback.ts). A
    // callback planted in a victim's browser therefore can never attach an identity to the
    // victim's account (the account-takeover direction of link CSRF).
    browser_hash: linking ? linkBinding(linking.sessionId) : hashBrowserSecret(browserSecret),
    redirect_to: redirectTo,
    nonce,
    code_verifier: codeVerifier,
    scopes: scopes.join(' '),
    code_challenge: pkce?.challenge ?? null,
    code_challenge_method: pkce?.method ?? null,
    linking_user_id: linking?.userId ?? null,
    created_at: request.now,
  });
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (!linking) headers['set-cookie'] = browserCookie(browserSecret, app.externalUrl().startsWith('https:'), OAUTH_FLOW_LIFETIME_SECONDS);
  if (query.skip_http_redirect === 'true') return { body: { url: url.href }, headers };
  return { status: 302, headers: { ...headers, location: url.href } };
}
