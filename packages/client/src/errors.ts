/**
 * The one error type of `@latchkey/client`, with a closed list of codes.
 *
 * Server codes are GoTrue's `error_code` strings, passed through unchanged; the client adds a few
 * of its own for what happens before or around a response (no network, a timeout, a body that is
 * not what the API promises). Messages never contain a token, a password or a cookie.
 */

/**
 * Every code `@latchkey/server` answers with (including second factors and passkeys), and GoTrue's
 * codes for the email flows (links and codes, PKCE, anonymous users, reauthentication) that it
 * answers as GoTrue does. A test keeps
 * the list a superset of the server's, the extras GoTrue's own.
 */
export const SERVER_ERROR_CODES = [
  'bad_json',
  'validation_failed',
  'unsupported_grant_type',
  'invalid_key',
  'email_address_invalid',
  'invalid_credentials',
  'email_not_confirmed',
  'email_provider_disabled',
  'phone_provider_disabled',
  'bad_code_verifier',
  'reauthentication_needed',
  'refresh_token_not_found',
  'refresh_token_already_used',
  'session_expired',
  'no_authorization',
  'invalid_api_key',
  'bad_jwt',
  'not_admin',
  'otp_expired',
  'session_not_found',
  'user_banned',
  'user_not_found',
  'not_found',
  'key_not_found',
  'session_not_found_by_id',
  'flow_state_not_found',
  'method_not_allowed',
  'request_timeout',
  'key_not_ready',
  'request_entity_too_large',
  'unsupported_media_type',
  'user_already_exists',
  'email_exists',
  'weak_password',
  'same_password',
  'signup_disabled',
  'anonymous_provider_disabled',
  'otp_disabled',
  'flow_state_expired',
  'reauthentication_not_valid',
  'over_request_rate_limit',
  'over_email_send_rate_limit',
  'unexpected_failure',
  'service_unavailable',
  // Second factors (GoTrue's /factors API).
  'mfa_factor_not_found',
  'mfa_factor_name_conflict',
  'too_many_enrolled_mfa_factors',
  'mfa_ip_address_mismatch',
  'mfa_challenge_expired',
  'mfa_verification_failed',
  'insufficient_aal',
  'mfa_totp_enroll_not_enabled',
  'mfa_totp_verify_not_enabled',
  'mfa_webauthn_enroll_not_enabled',
  'mfa_webauthn_verify_not_enabled',
  'mfa_phone_enroll_not_enabled',
  'mfa_phone_verify_not_enabled',
  // Passkeys (GoTrue's /passkeys API).
  'passkey_disabled',
  'too_many_passkeys',
  'webauthn_challenge_not_found',
  'webauthn_challenge_expired',
  'webauthn_verification_failed',
  'webauthn_credential_exists',
  // Identity providers (issue #14).
  'bad_oauth_state',
  'bad_oauth_callback',
  'provider_disabled',
  'manual_linking_disabled',
  'identity_not_found',
  'identity_already_exists',
  'single_identity_not_deletable',
  'provider_unavailable',
] as const;

/** Codes the client raises itself. */
export const CLIENT_ERROR_CODES = [
  /** fetch rejected: offline, DNS, connection refused or reset, CORS. */
  'network_error',
  /** The auth server did not answer in time. */
  'timeout',
  /** A body that is not JSON, lacks what the endpoint promises, or carries an unknown code. */
  'unexpected_response',
  /** The operation needs a session and there is none. */
  'session_missing',
  /** The caller passed something unusable (checked before any request). */
  'invalid_argument',
  /** The storage adapter threw while reading or writing the session. */
  'storage_failed',
  /** A PKCE code arrived but this storage holds no verifier for it (the link was opened in another browser). */
  'pkce_code_verifier_not_found',
  /** This runtime has no WebAuthn (`navigator.credentials` and `PublicKeyCredential`): no passkeys or WebAuthn factors here. */
  'webauthn_unavailable',
  /** The browser's WebAuthn ceremony did not produce a credential: the user cancelled, timed out, or no authenticator matched. */
  'webauthn_ceremony_failed',
] as const;

export type LatchkeyErrorCode = (typeof CLIENT_ERROR_CODES)[number] | (typeof SERVER_ERROR_CODES)[number];

/** The closed list of `LatchkeyError` codes: the client's own, then the server's. */
export const ERROR_CODES: readonly LatchkeyErrorCode[] = [...CLIENT_ERROR_CODES, ...SERVER_ERROR_CODES];

const KNOWN = new Set<string>(ERROR_CODES);
// A registered symbol, so `isLatchkeyError` recognises errors made by another copy of this package.
const BRAND = Symbol.for('latchkey.client.error');

export interface LatchkeyErrorOptions {
  /** HTTP status of the answer; 0 when there was none. */
  status?: number;
  /** Milliseconds the server asked us to wait (`Retry-After`). */
  retryAfter?: number;
  /** `weak_password`: why the password was refused. */
  reasons?: string[];
  cause?: unknown;
}

/**
 * The error every `@latchkey/client` function returns (in `{ error }`) or throws.
 *
 * @example
 * const { error } = await auth.signInWithPassword({ email, password });
 * if (error?.code === 'invalid_credentials') showMessage('Wrong email or password');
 */
export class LatchkeyError extends Error {
  readonly code: LatchkeyErrorCode;
  /** HTTP status of the server's answer; 0 when there was none (network error, timeout). */
  readonly status: number;
  /** Milliseconds the server asked to wait before trying again, when it said so. */
  readonly retryAfter: number | undefined;
  /** For `weak_password`: the server's reasons (`length`, `characters`, `pwned`). */
  readonly reasons: string[] | undefined;

  constructor(code: LatchkeyErrorCode, message: string, options: LatchkeyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LatchkeyError';
    this.code = code;
    this.status = options.status ?? 0;
    this.retryAfter = options.retryAfter;
    this.reasons = options.reasons;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True for a `LatchkeyError`, even one created by a duplicate copy of this package in the bundle
 * (where `instanceof` would say no).
 *
 * @example
 * try { await auth.fetch(url) } catch (e) { if (isLatchkeyError(e)) console.warn(e.code) }
 */
export function isLatchkeyError(value: unknown): value is LatchkeyError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `code` is in the closed list. */
export function isKnownCode(code: unknown): code is LatchkeyErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}

/**
 * Worth trying again later: nothing definitive was said about the session. Network errors,
 * time-outs, 408, 429 and every 5xx.
 */
export function isTransient(error: LatchkeyError): boolean {
  return error.code === 'network_error' || error.code === 'timeout' || error.status === 408 || error.status === 429 || error.status >= 500;
}

/**
 * The refresh endpoint's definitive answers: the session behind this refresh token is over and no
 * retry can revive it. Only these drop the local session. (`user_banned` and `user_not_found` are
 * "the user is gone or locked out", which ends the session just as surely.)
 */
const DEFINITIVE = new Set<LatchkeyErrorCode>([
  'refresh_token_not_found',
  'refresh_token_already_used',
  'session_not_found',
  'session_expired',
  'user_not_found',
  'user_banned',
]);

export function isDefinitiveRefreshError(error: LatchkeyError): boolean {
  return error.status >= 400 && error.status < 500 && DEFINITIVE.has(error.code);
}

/** Wraps anything thrown into a `LatchkeyError` (unknown failures become `code`). */
export function toLatchkeyError(value: unknown, code: LatchkeyErrorCode, message: string): LatchkeyError {
  return isLatchkeyError(value) ? value : new LatchkeyError(code, message, { cause: value });
}
