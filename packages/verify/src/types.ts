/** The public types of `@latchkey/verify`. */
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from './lib/algorithms.js';
import type { Jwk } from './lib/keys.js';

export type { Algorithm, Jwk };

/** One entry of the `amr` claim: how and when the user authenticated. */
export interface AuthenticationMethod {
  readonly method: string;
  readonly timestamp: number;
}

/**
 * The claims of a Latchkey access token, as the server issues them (GoTrue's claims).
 *
 * The verifier checks `iss`, `aud`, `exp`, `nbf`, `iat` and `sub` itself; the rest are typed as
 * Latchkey issues them, which the signature vouches for. The object is deeply frozen: the same
 * object may be handed to many requests by the verified-token cache.
 */
export interface AccessTokenClaims {
  readonly iss: string;
  /** The user's id. */
  readonly sub: string;
  readonly aud: string | readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  readonly email: string;
  readonly phone: string;
  /** `authenticated`, or another Postgres role the server assigned. */
  readonly role: string;
  /** Authenticator assurance level: `aal1`, or `aal2` after a second factor. */
  readonly aal: string;
  readonly amr: readonly AuthenticationMethod[];
  /** The session the token belongs to; the live-session check asks about it. */
  readonly session_id: string;
  readonly is_anonymous: boolean;
  readonly app_metadata: Readonly<Record<string, unknown>>;
  readonly user_metadata: Readonly<Record<string, unknown>>;
  readonly [claim: string]: unknown;
}

/** Options of {@link createVerifier}. Every duration is in seconds. */
export interface VerifierOptions {
  /**
   * The auth server's JWKS, e.g. `http://127.0.0.1:9999/auth/v1/.well-known/jwks.json`.
   * Exactly one of `jwksUrl` and `keys`.
   */
  jwksUrl?: string | URL;
  /** Fixed public keys instead of a JWKS: JWKs, or KeyObjects (kid: their RFC 7638 thumbprint). */
  keys?: ReadonlyArray<Jwk | KeyObject>;
  /** The exact `iss` tokens must carry: the auth server's URL + `/auth/v1`. */
  issuer: string;
  /** The `aud` tokens must carry (any one of a list); Latchkey issues `authenticated`. */
  audience: string | readonly string[];
  /** Algorithms accepted; default `['ES256']`, what Latchkey signs with. Asymmetric ones only. */
  algorithms?: readonly Algorithm[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds; default 5. */
  clockTolerance?: number;
  /**
   * The verified-token cache: `true` (default, 10,000 tokens), `false`, or `{ maxEntries }`.
   * A cached token is served until its `exp`, never after.
   */
  cache?: boolean | { maxEntries?: number };
  /** The remote JWKS cache. */
  jwks?: {
    /** How long fetched keys are used before refetching; default 600. */
    maxAge?: number;
    /** Minimum time between two fetches (unknown-kid refetches, retries when down); default 30. */
    cooldown?: number;
    /** Deadline for one fetch, body included; default 5. */
    timeout?: number;
    /**
     * How long past `maxAge` the last good keys keep serving while the JWKS cannot be fetched;
     * default 3600 (the auth server's default access-token lifetime). After that, fail closed.
     */
    maxStale?: number;
  };
  /** The live-session check, used by `verify(token, { session: true })`. */
  session?: {
    /** The auth server's base URL (its `/user` is asked); default `issuer`. */
    url?: string | URL;
    /** How long an answer is reused for the same session; default 5. 0 asks every time. */
    ttl?: number;
    /** Deadline for one check; default 3. */
    timeout?: number;
    /** Sent as the `apikey` header, for servers that require one (`requireApiKey`). */
    apiKey?: string;
  };
  /** The clock, in milliseconds since the epoch (like `Date.now`, the default); for tests. */
  now?: () => number;
}

/** Per-call options of {@link Verifier.verify}. */
export interface VerifyCallOptions {
  /**
   * Also ask the auth server whether the token's session is still live (a revoked session's
   * token otherwise stays valid until `exp`). Costs one HTTP round trip per session per `ttl`.
   */
  session?: boolean;
}

/** A verifier made by {@link createVerifier}. */
export interface Verifier {
  /**
   * Verifies an access token and returns its claims; throws {@link VerifyError}.
   *
   * @example
   * const claims = await verifier.verify(token);
   * console.log(claims.sub, claims.role, claims.session_id);
   */
  verify(token: string, options?: VerifyCallOptions): Promise<AccessTokenClaims>;
}
