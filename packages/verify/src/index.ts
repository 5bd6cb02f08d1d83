/**
 * `@latchkey/verify`: verify Latchkey access tokens in APIs. Middleware lives in the subpath
 * exports `@latchkey/verify/express`, `/fastify`, `/hono` and `/web`.
 *
 * @example
 * import { createVerifier, isVerifyError } from '@latchkey/verify';
 * const verifier = createVerifier({ jwksUrl, issuer, audience: 'authenticated' });
 * const claims = await verifier.verify(token);
 */
export { createVerifier } from './verifier.js';
export { VerifyError, isVerifyError, VERIFY_ERROR_CODES, type VerifyErrorCode } from './errors.js';
export type { AccessTokenClaims, Algorithm, AuthenticationMethod, Jwk, Verifier, VerifierOptions, VerifyCallOptions } from './types.js';
export type { AssuranceLevel, AuthOptions, MiddlewareOptions } from './lib/authorize.js';
