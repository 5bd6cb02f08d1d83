/**
 * OpenID Connect providers by issuer: discovery, the authorization-code flow with PKCE and nonce,
 * ID-token validation. The protocol is oauth4webapi's (panva; discovery, token response and ID
 * token checks); the id_token grant's signature and claims are jose's (same author), over the
 * provider's JWKS. Nothing here parses or checks a token by hand.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import {
  PROVIDER_TIMEOUT_MS,
  ProviderRejected,
  ProviderUnavailable,
  type AuthorizationRequest,
  type CallbackResult,
  type IdentityProviderClient,
  type ProviderProfile,
} from './client.js';
import { isLoopback, type ExternalProviderConfig } from './settings.js';

/** Discovery documents are kept this long; a failed discovery is not kept. */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;

export function oidcClient(config: ExternalProviderConfig): IdentityProviderClient {
  const issuer = new URL(config.issuer);
  // Plain HTTP was allowed by the settings only for a loopback issuer (a local test IdP).
  const insecure = issuer.protocol === 'http:' && isLoopback(issuer.hostname);
  const requestOptions = () => ({ [oauth.allowInsecureRequests]: insecure, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  let discovered: { as: oauth.AuthorizationServer; at: number } | undefined;
  let jwks: { uri: string; keys: ReturnType<typeof createRemoteJWKSet> } | undefined;

  /**
   * The ID token's claims, with what it left out read from the UserInfo endpoint. Conformant
   * providers put the `email` and `profile` claims there rather than in an ID token issued with an
   * access token (OIDC Core §5.4), so a Keycloak or node-oidc-provider user would otherwise arrive
   * with no email. The ID token's own claims win; a UserInfo answer for another subject is refused
   * (§5.3.2: it must match the ID token's `sub`, or one user's access token could stand in for another's).
   */
  async function withUserInfo(as: oauth.AuthorizationServer, c: oauth.Client, accessToken: string, claims: JWTPayload): Promise<JWTPayload> {
    if (typeof claims.email === 'string' || !as.userinfo_endpoint || !accessToken) return claims;
    let response: Response;
    try {
      response = await oauth.userInfoRequest(as, c, accessToken, requestOptions());
    } catch (error) {
      throw new ProviderUnavailable(`userinfo endpoint of ${config.issuer} did not answer: ${(error as Error).message}`);
    }
    try {
      const info = await oauth.processUserInfoResponse(as, c, String(claims.sub), response);
      return { ...(info as JWTPayload), ...claims };
    } catch (error) {
      if (response.status >= 500) throw new ProviderUnavailable(`userinfo endpoint of ${config.issuer} answered ${response.status}`);
      throw new ProviderRejected(`Unable to read the user's profile: ${(error as Error).message}`);
    }
  }

  async function server(): Promise<oauth.AuthorizationServer> {
    if (discovered && Date.now() - discovered.at < DISCOVERY_TTL_MS) return discovered.as;
    let as: oauth.AuthorizationServer;
    try {
      // processDiscoveryResponse checks that the document names exactly this issuer (OIDC
      // Discovery §4.3): a document served for another issuer cannot stand in for ours.
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions() }));
    } catch (error) {
      throw new ProviderUnavailable(`OpenID discovery of ${config.issuer} failed: ${(error as Error).message}`);
    }
    discovered = { as, at: Date.now() };
    return as;
  }

  const client = (now: Date): oauth.Client => ({
    client_id: config.clientId,
    // oauth4webapi checks iat/exp against its own clock; ours may be a test's, so pass the offset.
    [oauth.clockSkew]: Math.round((now.getTime() - Date.now()) / 1000),
    [oauth.clockTolerance]: 30,
  });

  function clientAuth(as: oauth.AuthorizationServer): oauth.ClientAuth {
    if (!config.secret) return oauth.None();
    const methods = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    return methods.includes('client_secret_basic') ? oauth.ClientSecretBasic(config.secret) : oauth.ClientSecretPost(config.secret);
  }

  return {
    config,
    async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
      const as = await server();
      if (!as.authorization_endpoint) throw new ProviderUnavailable(`${config.issuer} publishes no authorization_endpoint`);
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', request.redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', request.scopes.join(' '));
      url.searchParams.set('state', request.state);
      // The nonce comes back inside the signed ID token: a token minted for another flow fails.
      url.searchParams.set('nonce', request.nonce);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(request.codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return url;
    },

    async finish({ callback, redirectUri, codeVerifier, nonce, now }): Promise<CallbackResult> {
      const as = await server();
      const c = client(now);
      let params: URLSearchParams;
      try {
        // The state was checked (signature, single use, browser) before we got here.
        params = oauth.validateAuthResponse(as, c, callback, oauth.skipStateCheck);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError) {
          throw new ProviderRejected(error.error_description ?? error.error, error.error);
        }
        throw new ProviderRejected((error as Error).message);
      }
      let response: Response;
      try {
        response = await oauth.authorizationCodeGrantRequest(as, c, clientAuth(as), params, redirectUri, codeVerifier, requestOptions());
      } catch (error) {
        throw new ProviderUnavailable(`token endpoint of ${config.issuer} did not answer: ${(error as Error).message}`);
      }
      let result: oauth.TokenEndpointResponse;
      try {
        result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true });
        // Received straight from the token endpoint, the ID token's signature is optional (OIDC
        // Core §3.1.3.7 trusts TLS); checked anyway, against the provider's published keys.
        await oauth.validateApplicationLevelSignature(as, response, requestOptions());
      } catch (error) {
        if (response.status >= 500) throw new ProviderUnavailable(`token endpoint of ${config.issuer} answered ${response.status}`);
        throw new ProviderRejected(`Unable to exchange external code: ${(error as Error).message}`);
      }
      const claims = oauth.getValidatedIdTokenClaims(result)! as JWTPayload;
      return {
        profile: profileOf(await withUserInfo(as, c, result.access_token, claims)),
        tokens: { accessToken: result.access_token, refreshToken: result.refresh_token },
      };
    },

    async verifyIdToken({ idToken, nonce, now }): Promise<ProviderProfile> {
      const as = await server();
      if (!as.jwks_uri) throw new ProviderUnavailable(`${config.issuer} publishes no jwks_uri`);
      if (!jwks || jwks.uri !== as.jwks_uri)
        jwks = { uri: as.jwks_uri, keys: createRemoteJWKSet(new URL(as.jwks_uri), { timeoutDuration: PROVIDER_TIMEOUT_MS }) };
      let payload: JWTPayload;
      try {
        // Signature by the issuer's published keys, issuer, audience (one of our client ids: a
        // token minted for another app is not a credential here) and expiry, on our clock.
        ({ payload } = await jwtVerify(idToken, jwks.keys, {
          issuer: as.issuer,
          audience: config.audiences,
          currentDate: now,
          clockTolerance: 30,
          algorithms: as.id_token_signing_alg_values_supported?.filter((alg) => alg !== 'none') ?? ['RS256'],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWKSTimeout || (error as { code?: string }).code === 'ERR_JWKS_TIMEOUT') {
          throw new ProviderUnavailable(`keys of ${config.issuer} did not arrive`);
        }
        if (error instanceof joseErrors.JWTExpired) throw new ProviderRejected('Bad ID token: token is expired');
        if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
          throw new ProviderRejected(`Unacceptable audience in id_token`);
        }
        if (error instanceof TypeError) throw new ProviderUnavailable(`keys of ${config.issuer} could not be fetched`);
        throw new ProviderRejected('Bad ID token');
      }
      // GoTrue's rule: the app passes the raw nonce, the provider signed its SHA-256 (hex), so a
      // token captured from another sign-in cannot be replayed here without its raw nonce.
      const tokenNonce = typeof payload.nonce === 'string' && payload.nonce !== '' ? payload.nonce : undefined;
      if ((tokenNonce === undefined) !== (nonce === undefined || nonce === '')) {
        throw new ProviderRejected('Passed nonce and nonce in id_token should either both exist or not.');
      }
      if (tokenNonce !== undefined && tokenNonce !== (await sha256Hex(nonce!))) throw new ProviderRejected('Nonces mismatch');
      if (!payload.sub) throw new ProviderRejected('Missing sub claim in id_token');
      return profileOf(payload);
    },
  };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('hex');
}

/** GoTrue's identity_data from ID-token claims. */
function profileOf(claims: JWTPayload): ProviderProfile {
  const email = typeof claims.email === 'string' && claims.email !== '' ? claims.email.toLowerCase() : undefined;
  // Some providers send "true" as a string; anything else is not a verification.
  const emailVerified = email !== undefined && (claims.email_verified === true || claims.email_verified === 'true');
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  const picture = typeof claims.picture === 'string' ? claims.picture : undefined;
  const data: Record<string, unknown> = {
    iss: claims.iss,
    sub: claims.sub,
    provider_id: claims.sub,
    email,
    email_verified: emailVerified,
    phone_verified: false,
    name,
    full_name: name,
    picture,
    avatar_url: picture,
    preferred_username: claims.preferred_username,
  };
  for (const key of Object.keys(data)) if (data[key] === undefined) delete data[key];
  return { subject: String(claims.sub), email, emailVerified, data };
}
