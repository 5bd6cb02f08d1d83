/**
 * Decoding a verified payload and checking its registered claims (RFC 7519 §4.1).
 */
import { VerifyError } from '../errors.js';
import type { AccessTokenClaims } from '../types.js';

export interface ClaimRules {
  issuer: string;
  audiences: ReadonlySet<string>;
  /** Seconds. */
  clockTolerance: number;
}

const malformed = (message: string) => new VerifyError('malformed', message);

/** Decodes the payload segment; only called once the signature has checked out. */
export function decodePayload(segment: string): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw malformed('The access token payload is not JSON.');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw malformed('The access token payload is not a claims object.');
  return payload as Record<string, unknown>;
}

/** True while a token with this `exp` may still be accepted: the one rule, cache hits included. */
export function isUnexpired(exp: number, nowSeconds: number, clockTolerance: number): boolean {
  // RFC 7519 §4.1.4: the token MUST NOT be accepted on or after exp (plus the allowed skew).
  return nowSeconds < exp + clockTolerance;
}

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Checks issuer, audience, times and subject; throws the matching {@link VerifyError}. */
export function checkClaims(claims: Record<string, unknown>, rules: ClaimRules, nowSeconds: number): AccessTokenClaims {
  const { exp, nbf, iat, sub, aud } = claims;
  // Exact match (RFC 7519 §4.1.1 is a case-sensitive string): no prefix or URL normalisation.
  if (claims.iss !== rules.issuer) throw new VerifyError('wrong_issuer');
  const audiences = Array.isArray(aud) ? aud : [aud];
  // RFC 7519 §4.1.3: the recipient must be named in aud, otherwise the token is for someone else.
  if (!audiences.some((value) => typeof value === 'string' && rules.audiences.has(value))) throw new VerifyError('wrong_audience');
  // Access tokens must expire: a token without exp would be valid forever (and cacheable forever).
  if (!isTime(exp)) throw malformed('The access token has no numeric exp claim.');
  if (!isUnexpired(exp, nowSeconds, rules.clockTolerance)) throw new VerifyError('expired');
  if (nbf !== undefined) {
    if (!isTime(nbf)) throw malformed('The access token nbf claim is not a number.');
    // RFC 7519 §4.1.5: not accepted before nbf (minus the allowed skew).
    if (nowSeconds + rules.clockTolerance < nbf) throw new VerifyError('not_yet_valid');
  }
  if (iat !== undefined) {
    if (!isTime(iat)) throw malformed('The access token iat claim is not a number.');
    // Issued in the future beyond the skew: a clock problem at the issuer, or a forged timeline.
    if (nowSeconds + rules.clockTolerance < iat) throw new VerifyError('not_yet_valid', 'The access token was issued in the future.');
  }
  if (typeof sub !== 'string' || sub === '') throw malformed('The access token has no sub claim.');
  return claims as AccessTokenClaims;
}

/** Freezes the claims and everything in them: the token cache hands one object to many requests. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
