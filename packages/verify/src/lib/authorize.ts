/**
 * What every middleware does, framework aside: bearer token → verified claims (optionally a
 * live session) → role and claim guards.
 */
import { VerifyError } from '../errors.js';
import type { AccessTokenClaims, Verifier } from '../types.js';
import { bearerToken } from './bearer.js';

/** What a route requires of the request's access token. */
export interface AuthOptions {
  /** Also check with the auth server that the session is live (see `VerifyCallOptions.session`). */
  session?: boolean;
  /** The `role` claim must be this one, or one of these. */
  role?: string | readonly string[];
  /**
   * The authenticator assurance level the token must have reached, at least: `'aal2'` lets
   * through only sessions that verified a second factor (TOTP, WebAuthn). Otherwise 403
   * `insufficient_aal`, which tells the app to run its MFA challenge and retry.
   */
  requireAal?: AssuranceLevel;
  /**
   * Further requirements: claim values that must match exactly (`{ aal: 'aal2' }`), or a
   * predicate over the claims. Failing either is `forbidden` (403).
   */
  claims?: Readonly<Record<string, unknown>> | ((claims: AccessTokenClaims) => boolean | Promise<boolean>);
}

/** Options of the framework middleware. */
export interface MiddlewareOptions extends AuthOptions {
  /** `realm` of the `WWW-Authenticate` challenge (RFC 6750 §3); omitted by default. */
  realm?: string;
}

export type Guard = (claims: AccessTokenClaims) => boolean | Promise<boolean>;

/** Authenticator assurance levels, lowest first (NIST SP 800-63B; GoTrue issues aal1 and aal2). */
export type AssuranceLevel = 'aal1' | 'aal2' | 'aal3';
const AAL_RANK: Readonly<Record<string, number>> = { aal1: 1, aal2: 2, aal3: 3 };

const invalid = (message: string) => new VerifyError('invalid_options', `Invalid middleware options: ${message}`);

// RFC 9110 §5.6.4 quoted-string content without escapes, as RFC 6750 §3 requires of its values.
const QUOTABLE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/** Validates middleware options once, when the middleware is created; builds the guard. */
export function prepareAuth(
  verifier: Verifier,
  options: MiddlewareOptions = {},
): (authorization: string | readonly string[] | null | undefined) => Promise<AccessTokenClaims> {
  if (typeof verifier?.verify !== 'function') throw invalid('the first argument must be a verifier from createVerifier().');
  const { role, claims, session, realm, requireAal } = options;
  if (requireAal !== undefined && !Object.hasOwn(AAL_RANK, requireAal)) throw invalid('requireAal must be "aal1", "aal2" or "aal3".');
  const minimumAal = requireAal === undefined ? 0 : (AAL_RANK[requireAal] as number);
  if (realm !== undefined && (typeof realm !== 'string' || !QUOTABLE.test(realm))) {
    // The realm goes into a response header: no quotes, backslashes or control characters.
    throw invalid('realm must be printable ASCII without " or \\.');
  }
  const roleList: unknown = typeof role === 'string' ? [role] : role;
  if (roleList !== undefined && !(Array.isArray(roleList) && roleList.length > 0 && roleList.every((r) => typeof r === 'string'))) {
    throw invalid('role must be a string or a non-empty list of strings.');
  }
  const roles = roleList === undefined ? undefined : new Set<unknown>(roleList);
  let guard: Guard | undefined;
  if (typeof claims === 'function') guard = claims;
  else if (typeof claims === 'object' && claims !== null) {
    const required = Object.entries(claims);
    guard = (actual) => required.every(([name, value]) => actual[name] === value);
  } else if (claims !== undefined) throw invalid('claims must be an object of required values or a predicate.');
  const call = { session: session === true };

  return async (authorization) => {
    const verified = await verifier.verify(bearerToken(authorization), call);
    if (roles !== undefined && !roles.has(verified.role))
      throw new VerifyError('forbidden', 'The access token role does not grant access to this resource.');
    // The level is the session's (it survives refreshes); an unknown or missing aal claim ranks lowest.
    const aal = typeof verified.aal === 'string' && Object.hasOwn(AAL_RANK, verified.aal) ? (AAL_RANK[verified.aal] as number) : 0;
    if (aal < minimumAal) throw new VerifyError('insufficient_aal');
    if (guard !== undefined && (await guard(verified)) !== true) throw new VerifyError('forbidden');
    return verified;
  };
}
