/**
 * The one error type of `@latchkey/verify`, with a closed list of codes.
 *
 * Each code carries the HTTP status the middleware answers with and a default message. Messages
 * are fixed strings written here: they never contain the token, a claim or a header value from
 * the token (an attacker controls all of those, and messages end up in logs), and every one is
 * valid as an RFC 6750 `error_description` (printable ASCII without `"` or `\`).
 */

/** Every error code, the HTTP status middleware answers it with, and its default message. */
export const VERIFY_ERROR_CODES = {
  missing_token: [401, 'The request has no bearer token in its Authorization header.'],
  malformed: [401, 'The access token is malformed.'],
  algorithm_not_allowed: [401, 'The access token is signed with an algorithm that is not allowed.'],
  unknown_key: [401, 'The access token is signed with an unknown key.'],
  bad_signature: [401, 'The access token signature is invalid.'],
  wrong_issuer: [401, 'The access token was issued by another issuer.'],
  wrong_audience: [401, 'The access token is meant for another audience.'],
  expired: [401, 'The access token expired.'],
  not_yet_valid: [401, 'The access token is not valid yet.'],
  session_revoked: [401, 'The session of the access token has ended.'],
  forbidden: [403, 'The access token does not grant access to this resource.'],
  insufficient_aal: [403, 'This resource requires a second factor: verify one (aal2) and retry with the new access token.'],
  jwks_unavailable: [503, 'The signing keys could not be fetched from the auth server.'],
  session_check_unavailable: [503, 'The auth server could not be asked whether the session is live.'],
  invalid_options: [500, 'The verifier options are invalid.'],
} as const satisfies Record<string, readonly [number, string]>;

/** The closed set of codes a {@link VerifyError} can carry. */
export type VerifyErrorCode = keyof typeof VERIFY_ERROR_CODES;

// Symbol.for: the same symbol in every copy of this package, so the brand check survives
// duplicate bundles where `instanceof` would not.
const BRAND = Symbol.for('latchkey.verify.error');

/**
 * The error every failure of `@latchkey/verify` throws.
 *
 * @example
 * try {
 *   await verifier.verify(token);
 * } catch (error) {
 *   if (isVerifyError(error, 'expired')) return refreshAndRetry();
 *   throw error;
 * }
 */
export class VerifyError extends Error {
  readonly [BRAND] = true;
  /** Which failure; one of {@link VERIFY_ERROR_CODES}. */
  readonly code: VerifyErrorCode;
  /** The HTTP status middleware answers this failure with. */
  readonly status: number;

  constructor(code: VerifyErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? VERIFY_ERROR_CODES[code][1], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerifyError';
    this.code = code;
    this.status = VERIFY_ERROR_CODES[code][0];
  }
}

/**
 * True for a {@link VerifyError} (from any copy of this package), optionally of one code.
 *
 * @example
 * if (isVerifyError(error, 'jwks_unavailable')) res.status(503).end();
 */
export function isVerifyError(value: unknown, code?: VerifyErrorCode): value is VerifyError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (value as VerifyError).code === code)
  );
}
