/**
 * The one small interface every identity-provider client implements (one per protocol:
 * oidc.ts, github.ts), and the registry that builds them from the configuration.
 */
import type { ExternalProviderConfig } from './settings.js';

/** Who the provider says the user is. */
export interface ProviderProfile {
  /** The provider's stable id of the user (`sub`; GitHub's numeric user id). */
  subject: string;
  email: string | undefined;
  /** The provider vouches that the user controls `email`. Only this may join an existing account. */
  emailVerified: boolean;
  /** GoTrue's `identity_data`: what the provider said, as shown in the user's identities. */
  data: Record<string, unknown>;
}

/** The provider's own tokens: handed to the app once (provider_token), never stored or logged. */
export interface ProviderTokens {
  accessToken: string;
  refreshToken: string | undefined;
}

export interface AuthorizationRequest {
  state: string;
  /** OIDC nonce, bound into the ID token (ignored by plain OAuth 2.0). */
  nonce: string;
  /** PKCE to the provider (RFC 7636): the verifier stays with us, the challenge goes out. */
  codeVerifier: string;
  redirectUri: string;
  scopes: string[];
}

export interface CallbackResult {
  profile: ProviderProfile;
  tokens: ProviderTokens;
}

export interface IdentityProviderClient {
  readonly config: ExternalProviderConfig;
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /** Exchanges the code of the provider's redirect (`callback` is the full callback URL) and reads the profile. */
  finish(params: { callback: URL; redirectUri: string; codeVerifier: string; nonce: string; now: Date }): Promise<CallbackResult>;
  /** Verifies an ID token issued to one of our client ids (the id_token grant); undefined when the protocol has none. */
  verifyIdToken?(params: { idToken: string; nonce: string | undefined; now: Date }): Promise<ProviderProfile>;
}

/** The provider could not be reached or answered nonsense: the user may try again later. */
export class ProviderUnavailable extends Error {
  override name = 'ProviderUnavailable';
}

/** The provider (or a token it issued) refused the sign-in: a denied consent, a bad code, an invalid ID token. */
export class ProviderRejected extends Error {
  override name = 'ProviderRejected';
  constructor(
    message: string,
    /** The provider's own `error` when it sent one (access_denied …). */
    readonly providerError?: string,
  ) {
    super(message);
  }
}

/** How long one call to a provider may take before the sign-in fails as unavailable. */
export const PROVIDER_TIMEOUT_MS = 10_000;
