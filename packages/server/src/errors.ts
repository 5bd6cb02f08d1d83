/**
 * The one error type of `@latchkey/server`, with a closed list of codes.
 *
 * Codes are GoTrue's `error_code` strings so `@supabase/supabase-js` surfaces them unchanged as
 * `error.code`; each carries GoTrue's HTTP status. A thrown `LatchkeyError` becomes an HTTP
 * response in `http/respond.ts`; anything else thrown is a bug and becomes a logged 500
 * `unexpected_failure` whose message reveals nothing.
 */

/** Every error code the server can answer with, its HTTP status and a default message. */
export const ERROR_CODES = {
  bad_json: [400, 'The request body is not valid JSON.'],
  validation_failed: [400, 'The request is invalid.'],
  unsupported_grant_type: [400, 'Unsupported grant_type.'],
  invalid_key: [400, 'The key is not a P-256 (ES256) private key in PEM or JWK form.'],
  email_address_invalid: [400, 'The email address is invalid.'],
  phone_provider_disabled: [400, 'Phone signups are disabled'],
  invalid_credentials: [400, 'Invalid login credentials.'],
  refresh_token_not_found: [400, 'Invalid Refresh Token: Refresh Token Not Found'],
  refresh_token_already_used: [400, 'Invalid Refresh Token: Already Used'],
  session_expired: [400, 'Invalid Refresh Token: Session Expired'],
  no_authorization: [401, 'This endpoint requires a Bearer token.'],
  invalid_api_key: [401, 'Invalid API key.'],
  bad_jwt: [403, 'Invalid JWT.'],
  not_admin: [403, 'User not allowed.'],
  session_not_found: [403, 'Session not found.'],
  user_banned: [403, 'User is banned.'],
  user_not_found: [404, 'User not found.'],
  not_found: [404, 'Not found.'],
  key_not_found: [404, 'Signing key not found.'],
  session_not_found_by_id: [404, 'No live session with that id.'],
  method_not_allowed: [405, 'Method not allowed.'],
  request_timeout: [408, 'The request body took too long to arrive.'],
  key_not_ready: [409, 'The signing key cannot change state yet.'],
  request_entity_too_large: [413, 'The request body is too large.'],
  unsupported_media_type: [415, 'Send the request body as application/json.'],
  user_already_exists: [422, 'User already registered.'],
  email_exists: [422, 'A user with this email address has already been registered.'],
  weak_password: [422, 'The password is too weak.'],
  signup_disabled: [422, 'Signups not allowed for this instance'],
  anonymous_provider_disabled: [422, 'Anonymous sign-ins are disabled'],
  same_password: [422, 'New password should be different from the old password.'],
  over_request_rate_limit: [429, 'Request rate limit reached.'],
  unexpected_failure: [500, 'Unexpected failure; the request was not completed.'],
  service_unavailable: [503, 'The server is shutting down or its database is unavailable.'],
  mfa_factor_not_found: [404, 'Factor not found'],
  mfa_factor_name_conflict: [422, 'A factor with this friendly name already exists.'],
  too_many_enrolled_mfa_factors: [422, 'Maximum number of verified factors reached, unenroll to continue'],
  mfa_ip_address_mismatch: [422, 'Challenge and verify IP addresses mismatch.'],
  mfa_challenge_expired: [422, 'MFA challenge has expired, verify against another challenge or create a new challenge.'],
  mfa_verification_failed: [422, 'Invalid MFA code entered'],
  insufficient_aal: [403, 'AAL2 required'],
  mfa_totp_enroll_not_enabled: [422, 'MFA enroll is disabled for TOTP'],
  mfa_totp_verify_not_enabled: [422, 'MFA verification is disabled for TOTP'],
  mfa_webauthn_enroll_not_enabled: [422, 'MFA enroll is disabled for WebAuthn'],
  mfa_webauthn_verify_not_enabled: [422, 'MFA verification is disabled for WebAuthn'],
  mfa_phone_enroll_not_enabled: [422, 'MFA enroll is disabled for Phone'],
  mfa_phone_verify_not_enabled: [422, 'MFA verification is disabled for Phone'],
  passkey_disabled: [404, 'Passkeys are disabled'],
  too_many_passkeys: [422, 'Maximum number of passkeys reached'],
  webauthn_challenge_not_found: [400, 'Challenge not found or already used'],
  webauthn_challenge_expired: [400, 'Challenge has expired'],
  webauthn_verification_failed: [400, 'Credential verification failed'],
  webauthn_credential_exists: [422, 'This credential is already registered'],
  // The email flows (issue #13), with GoTrue's statuses and messages.
  email_not_confirmed: [400, 'Email not confirmed'],
  bad_code_verifier: [400, 'code challenge does not match previously saved code verifier'],
  reauthentication_needed: [400, 'Password update requires reauthentication'],
  otp_expired: [403, 'Token has expired or is invalid'],
  flow_state_not_found: [404, 'invalid flow state, no valid flow state found'],
  flow_state_expired: [422, 'invalid flow state, flow state has expired'],
  reauthentication_not_valid: [422, 'Nonce has expired or is invalid'],
  over_email_send_rate_limit: [429, 'email rate limit exceeded'],
  // Sign-in with identity providers (issue #14), with GoTrue's statuses and messages.
  bad_oauth_state: [400, 'OAuth state parameter is invalid'],
  bad_oauth_callback: [400, 'OAuth callback is missing its code'],
  provider_disabled: [400, 'Provider is not enabled'],
  manual_linking_disabled: [404, 'Manual linking is disabled'],
  identity_not_found: [422, "Identity doesn't exist"],
  identity_already_exists: [422, 'Identity is already linked to another user'],
  single_identity_not_deletable: [422, 'User must have at least 1 identity after unlinking'],
  provider_unavailable: [502, 'The identity provider could not be reached; try again later.'],
  // The admin console (issue #18).
  console_csrf_failed: [403, 'The console request did not come from the console (origin or CSRF token mismatch).'],
  console_session_invalid: [401, 'The console session is missing or has expired; sign in again.'],
  invalid_secret_key: [401, 'That is not the secret key.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_CODES;

const BRAND = Symbol.for('latchkey.error');

export interface LatchkeyErrorOptions {
  /** Overrides the code's default status where GoTrue answers the same code differently. */
  status?: number;
  /** Extra top-level fields for the response body (e.g. `weak_password: { reasons }`). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

export class LatchkeyError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options: LatchkeyErrorOptions = {}) {
    super(message ?? ERROR_CODES[code][1], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LatchkeyError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code][0];
    this.extra = options.extra;
  }
}

/** True for a `LatchkeyError`, even one from a duplicate copy of this package. */
export function isLatchkeyError(value: unknown): value is LatchkeyError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
