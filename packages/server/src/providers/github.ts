/**
 * GitHub: OAuth 2.0 (not OpenID Connect), so who the user is comes from its REST API: the user
 * (`GET /user`) and its emails (`GET /user/emails`, with GitHub's own `verified` flag). The token
 * exchange is oauth4webapi's, against GitHub's fixed endpoints (or a GitHub Enterprise server's).
 */
import * as oauth from 'oauth4webapi';
import {
  PROVIDER_TIMEOUT_MS,
  ProviderRejected,
  ProviderUnavailable,
  type CallbackResult,
  type IdentityProviderClient,
  type ProviderProfile,
} from './client.js';
import { isLoopback, type ExternalProviderConfig } from './settings.js';

export function githubClient(config: ExternalProviderConfig): IdentityProviderClient {
  const base = new URL(config.issuer);
  const insecure = base.protocol === 'http:' && isLoopback(base.hostname);
  // github.com's API has a host of its own; GitHub Enterprise serves it under /api/v3 (as GoTrue).
  const api = config.issuer === 'https://github.com' ? 'https://api.github.com' : `${config.issuer}/api/v3`;
  const as: oauth.AuthorizationServer = {
    issuer: config.issuer,
    authorization_endpoint: `${config.issuer}/login/oauth/authorize`,
    token_endpoint: `${config.issuer}/login/oauth/access_token`,
  };
  const client: oauth.Client = { client_id: config.clientId };

  async function get<T>(path: string, accessToken: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${api}${path}`, {
        headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${accessToken}`, 'user-agent': 'Latchkey' },
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ProviderUnavailable(`GitHub API did not answer: ${(error as Error).message}`);
    }
    if (response.status >= 500) throw new ProviderUnavailable(`GitHub API answered ${response.status} to ${path}`);
    if (!response.ok) throw new ProviderRejected(`GitHub API refused ${path} (${response.status})`);
    return (await response.json()) as T;
  }

  return {
    config,
    async authorizationUrl(request) {
      const url = new URL(as.authorization_endpoint!);
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', request.redirectUri);
      url.searchParams.set('scope', request.scopes.join(' '));
      url.searchParams.set('state', request.state);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(request.codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return url;
    },

    async finish({ callback, redirectUri, codeVerifier }): Promise<CallbackResult> {
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callback, oauth.skipStateCheck);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError)
          throw new ProviderRejected(error.error_description ?? error.error, error.error);
        throw new ProviderRejected((error as Error).message);
      }
      let response: Response;
      try {
        response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.ClientSecretPost(config.secret ?? ''),
          params,
          redirectUri,
          codeVerifier,
          {
            [oauth.allowInsecureRequests]: insecure,
            signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
            headers: new Headers({ accept: 'application/json' }),
          },
        );
      } catch (error) {
        throw new ProviderUnavailable(`GitHub's token endpoint did not answer: ${(error as Error).message}`);
      }
      if (response.status >= 500) throw new ProviderUnavailable(`GitHub's token endpoint answered ${response.status}`);
      // GitHub answers a refused exchange (a bad or expired code, a redirect_uri mismatch) with
      // 200 and an `error` body, where OAuth 2.0 (RFC 6749 §5.2) says 400: read it first, so the
      // app hears GitHub's reason rather than "no access_token".
      const refusal = await githubTokenError(response);
      if (refusal) throw new ProviderRejected(`Unable to exchange external code: GitHub answered ${refusal}`);
      let result: oauth.TokenEndpointResponse;
      try {
        result = await oauth.processAuthorizationCodeResponse(as, client, response);
      } catch (error) {
        throw new ProviderRejected(`Unable to exchange external code: ${(error as Error).message}`);
      }
      const user = await get<{ id: number; login: string; name?: string | null; avatar_url?: string; email?: string | null }>(
        '/user',
        result.access_token,
      );
      const emails = await get<Array<{ email: string; primary: boolean; verified: boolean }>>('/user/emails', result.access_token);
      return { profile: githubProfile(user, emails), tokens: { accessToken: result.access_token, refreshToken: result.refresh_token } };
    },
  };
}

/** GitHub's `error` (and description) in a 200 token response, else undefined; the response stays readable. */
async function githubTokenError(response: Response): Promise<string | undefined> {
  if (response.status !== 200) return undefined;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return undefined;
  }
  const { error, error_description } = (body ?? {}) as { error?: unknown; error_description?: unknown };
  if (typeof error !== 'string') return undefined;
  // Only GitHub's short code and its description: never the body, which could carry a token.
  return typeof error_description === 'string' ? `${error} (${error_description.slice(0, 200)})` : error;
}

function githubProfile(
  user: { id: number; login: string; name?: string | null; avatar_url?: string },
  emails: Array<{ email: string; primary: boolean; verified: boolean }>,
): ProviderProfile {
  if (typeof user.id !== 'number') throw new ProviderRejected('GitHub answered a user without an id');
  // The primary address if GitHub verified it, else any verified one; an unverified address is
  // only ever recorded as unverified (it never joins an existing account).
  const verified = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
  const chosen = verified ?? emails.find((e) => e.primary);
  const email = chosen?.email.toLowerCase();
  const data: Record<string, unknown> = {
    iss: 'https://api.github.com',
    sub: String(user.id),
    provider_id: String(user.id),
    email,
    email_verified: verified !== undefined,
    phone_verified: false,
    user_name: user.login,
    preferred_username: user.login,
    name: user.name ?? undefined,
    full_name: user.name ?? undefined,
    avatar_url: user.avatar_url,
    picture: user.avatar_url,
  };
  for (const key of Object.keys(data)) if (data[key] === undefined) delete data[key];
  return { subject: String(user.id), email, emailVerified: verified !== undefined, data };
}
