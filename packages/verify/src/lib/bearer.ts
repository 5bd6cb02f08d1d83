/**
 * Reading the bearer token of a request: from the Authorization header only (RFC 6750 §2.1).
 * Tokens in the query string (§2.3) or a form body (§2.2) are never read: URLs end up in logs,
 * browser history and Referer headers.
 */
import { VerifyError } from '../errors.js';

// credentials = "Bearer" 1*SP b64token (RFC 6750 §2.1); the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const BEARER_SCHEME = /^Bearer(?: |$)/i;

/** The token of `Authorization: Bearer <token>`; throws `missing_token` or `malformed`. */
export function bearerToken(authorization: string | readonly string[] | null | undefined): string {
  if (authorization === undefined || authorization === null || authorization === '') throw new VerifyError('missing_token');
  // Several Authorization headers: ambiguous, refuse rather than pick one.
  if (typeof authorization !== 'string') throw new VerifyError('malformed', 'The request has more than one Authorization header.');
  const match = BEARER.exec(authorization);
  if (match) return match[1]!;
  if (BEARER_SCHEME.test(authorization)) throw new VerifyError('malformed', 'The Authorization header is not "Bearer <token>".');
  // Another scheme (Basic, ...) carries no bearer token: answered like no header (RFC 6750 §3.1).
  throw new VerifyError('missing_token');
}
