/** GET /callback: where the provider sends the user back; ends at the app with a session, a PKCE code or an error. */
import { z } from 'zod';
import type { App } from '../../app.js';
import { BROWSER_COOKIE, hashBrowserSecret, readCookie, verifyState } from '../../crypto/oauth-state.js';
import { mintAuthCode, hashLinkToken } from '../../crypto/one-time-token.js';
import { isLatchkeyError, LatchkeyError } from '../../errors.js';
import { route, type Reply, type RequestInfo } from '../../http/route.js';
import { ProviderRejected, ProviderUnavailable } from '../../providers/client.js';
import type { ChallengeMethod } from '../../crypto/pkce.js';
import { createFlowState, issueAuthCode } from '../../store/flow-states.js';
import { resolveProviderUser, withIdentities } from '../../store/identities.js';
import { consumeOAuthFlow, linkSessionOf } from '../../store/oauth-flows.js';
import { createSession, findLiveSession } from '../../store/sessions.js';
import { isBanned } from '../../store/users.js';
import { sessionResponse } from '../session-response.js';
import { callbackUrl } from './start.js';
import { errorRedirect, redirectWith } from './redirect.js';

const callbackQuery = z.object({
  state: z.string().max(512).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
  /** RFC 9207: the issuer that sent the response; checked against the flow's provider (mix-up defense). */
  iss: z.string().max(1024).optional(),
});

export const callback = route({
  method: 'GET',
  path: '/callback',
  auth: 'public',
  summary:
    "The provider's redirect back (register <LATCHKEY_API_EXTERNAL_URL>/callback at the provider). 302 to the flow's redirect_to with the session in the fragment (with provider_token, provider_refresh_token), or ?code= under PKCE (POST /token?grant_type=pkce); errors as error, error_code, error_description query parameters.",
  query: callbackQuery,
  async handler({ app, query, request }) {
    return finishProviderFlow(app, query, request);
  },
});

async function finishProviderFlow(app: App, query: z.infer<typeof callbackQuery>, request: RequestInfo): Promise<Reply> {
  const site = app.redirects.resolve(undefined);
  try {
    app.limiter.take('oauthPerIp', request.ip);
  } catch (error) {
    return errorRedirect(site, error as LatchkeyError);
  }
  if (!query.state) return errorRedirect(site, new LatchkeyError('bad_oauth_callback', 'OAuth state parameter missing'));
  // A state we did not sign never reaches the database.
  const flowId = verifyState(app.oauthStateKey, query.state);
  if (!flowId) return errorRedirect(site, new LatchkeyError('bad_oauth_state', 'OAuth state parameter is invalid'));
  const secret = readCookie(request.cookie, BROWSER_COOKIE);
  // A sign-in is bound to the browser that started it: a callback replayed elsewhere, or a login
  // CSRF (an attacker's code and state planted in the victim's browser), arrives without that
  // cookie. A link is bound to its user and session instead (start.ts says why), checked below.
  const flow = await consumeOAuthFlow(app.db, flowId, secret ? hashBrowserSecret(secret) : undefined, request.now);
  if (flow === 'not_found') return errorRedirect(site, new LatchkeyError('bad_oauth_state', 'OAuth state not found or expired'));
  if (flow === 'expired') return errorRedirect(site, new LatchkeyError('bad_oauth_state', 'OAuth state has expired'));
  if (flow === 'other_browser') {
    return errorRedirect(site, new LatchkeyError('bad_oauth_state', 'OAuth state was not started in this browser'));
  }
  const back = flow.redirect_to;
  if (flow.linking_user_id) {
    // The link goes to the user who asked for it, and only while the session they asked from is
    // live: signing out (or a revoked session) in the meantime cancels the link.
    const sessionId = linkSessionOf(flow);
    const live = sessionId ? await findLiveSession(app.db, sessionId) : undefined;
    if (!live || live.user.id !== flow.linking_user_id) {
      return errorRedirect(back, new LatchkeyError('bad_oauth_state', 'The session that started linking has ended'));
    }
  }
  const client = app.providers.get(flow.provider);
  if (!client) return errorRedirect(back, new LatchkeyError('provider_disabled', 'Provider is not enabled'));
  if (query.error) return errorRedirect(back, { error: query.error, description: query.error_description ?? '' });
  if (!query.code) return errorRedirect(back, new LatchkeyError('bad_oauth_callback', 'OAuth callback with missing authorization code'));

  try {
    const callbackURL = new URL(callbackUrl(app, client.config.redirectUri));
    callbackURL.search = new URLSearchParams({ code: query.code, state: query.state, ...(query.iss ? { iss: query.iss } : {}) }).toString();
    const { profile, tokens } = await client.finish({
      callback: callbackURL,
      redirectUri: callbackUrl(app, client.config.redirectUri),
      codeVerifier: flow.code_verifier,
      nonce: flow.nonce,
      now: request.now,
    });
    const outcome = await app.db.transaction(async (tx) => {
      const resolved = await resolveProviderUser(tx, flow.provider, profile, {
        now: request.now,
        linkingUserId: flow.linking_user_id,
        disableSignup: app.config.disableSignup,
      });
      if (isBanned(resolved.user, request.now)) throw new LatchkeyError('user_banned', 'User is banned');
      if (flow.code_challenge && flow.code_challenge_method) {
        // PKCE: the app gets a code; only the holder of its verifier turns it into a session.
        const code = mintAuthCode();
        const flowStateId = await createFlowState(tx, {
          userId: resolved.user.id,
          method: 'oauth',
          challenge: flow.code_challenge,
          challengeMethod: flow.code_challenge_method as ChallengeMethod,
          now: request.now,
        });
        await issueAuthCode(tx, flowStateId, hashLinkToken(code), request.now);
        return { ...resolved, code, session: undefined };
      }
      const session = await createSession(tx, resolved.user.id, 'oauth', {
        now: request.now,
        userAgent: request.userAgent,
        ip: request.ip,
      });
      return { ...resolved, code: undefined, session };
    });
    await auditSignIn(app, request, flow.provider, outcome.user.id, outcome.outcome, outcome.session?.session.id);
    if (outcome.code) return redirectWith(back, 'query', { code: outcome.code });
    const user = await withIdentities(app.db, outcome.session!.user);
    const body = sessionResponse(app, { session: outcome.session!.session, user }, request.now);
    // The provider's tokens go to the app this once (GoTrue's provider_token); never stored, never logged.
    return redirectWith(back, 'fragment', {
      access_token: body.access_token,
      expires_at: String(body.expires_at),
      expires_in: String(body.expires_in),
      provider_refresh_token: tokens.refreshToken,
      provider_token: tokens.accessToken,
      refresh_token: body.refresh_token,
      token_type: 'bearer',
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) {
      app.log.warn('identity provider unavailable', { provider: flow.provider, error: error.message });
      return errorRedirect(back, new LatchkeyError('provider_unavailable'));
    }
    if (error instanceof ProviderRejected) {
      if (error.providerError) return errorRedirect(back, { error: error.providerError, description: error.message });
      return errorRedirect(back, new LatchkeyError('bad_oauth_callback', error.message));
    }
    if (isLatchkeyError(error)) return errorRedirect(back, error as LatchkeyError);
    throw error;
  }
}

export async function auditSignIn(
  app: App,
  request: RequestInfo,
  provider: string,
  userId: string,
  outcome: 'returning' | 'created' | 'linked',
  sessionId: string | undefined,
): Promise<void> {
  const base = { actor: 'user' as const, userId, ip: request.ip, userAgent: request.userAgent };
  if (outcome === 'created') await app.audit({ ...base, type: 'user_signedup', data: { provider } });
  if (outcome === 'linked') await app.audit({ ...base, type: 'identity_linked', data: { provider } });
  await app.audit({ ...base, type: 'login', sessionId, data: { provider, grant: 'oauth' } });
}
