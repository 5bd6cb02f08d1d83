/** The error type: closed code list (in sync with the server), brand, classification. */
import { ERROR_CODES as SERVER_CODES } from '@latchkey/server';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_ERROR_CODES,
  ERROR_CODES,
  isDefinitiveRefreshError,
  isLatchkeyError,
  isTransient,
  LatchkeyError,
  SERVER_ERROR_CODES,
} from '../src/errors.js';

/**
 * GoTrue's `error_code`s for the email flows (internal/api/apierrors/errorcode.go), which the
 * client knows ahead of `@latchkey/server` (issue #13 builds the server side of the same flows).
 * Once the server answers one, it is in both lists; a code here the server never adopts stays a
 * GoTrue code, so supabase-compatible servers' answers still read right.
 */
const GOTRUE_EMAIL_FLOW_CODES = [
  'email_not_confirmed',
  'email_provider_disabled',
  'phone_provider_disabled',
  'bad_code_verifier',
  'reauthentication_needed',
  'reauthentication_not_valid',
  'otp_expired',
  'otp_disabled',
  'flow_state_not_found',
  'flow_state_expired',
  'signup_disabled',
  'anonymous_provider_disabled',
  'over_email_send_rate_limit',
];

/** Answered only by the admin console's own routes (/console/*), which no app's client calls. */
const CONSOLE_ONLY_CODES = ['console_csrf_failed', 'console_session_invalid', 'invalid_secret_key'];

describe('LatchkeyError', () => {
  it('lists every code @latchkey/server can answer with (but the console’s), GoTrue’s email-flow codes, and the client’s own', () => {
    const server = Object.keys(SERVER_CODES).filter((code) => !CONSOLE_ONLY_CODES.includes(code));
    expect(server.filter((code) => !(SERVER_ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
    const ahead = SERVER_ERROR_CODES.filter((code) => !server.includes(code));
    expect(ahead.filter((code) => !GOTRUE_EMAIL_FLOW_CODES.includes(code))).toEqual([]);
    expect(ERROR_CODES).toEqual([...CLIENT_ERROR_CODES, ...SERVER_ERROR_CODES]);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('isLatchkeyError recognises errors from another copy of the package (brand, not instanceof)', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('latchkey.client.error'), { value: true });
    expect(isLatchkeyError(foreign)).toBe(true);
    expect(isLatchkeyError(new LatchkeyError('timeout', 'x'))).toBe(true);
    expect(isLatchkeyError(Object.assign(new Error('x'), { code: 'timeout' }))).toBe(false);
    expect(isLatchkeyError(null)).toBe(false);
  });

  it('transient: no answer, 408, 429 and 5xx; nothing else', () => {
    const e = (code: any, status: number) => new LatchkeyError(code, 'x', { status });
    expect(
      [
        e('network_error', 0),
        e('timeout', 0),
        e('request_timeout', 408),
        e('over_request_rate_limit', 429),
        e('unexpected_failure', 500),
        e('service_unavailable', 503),
      ].every(isTransient),
    ).toBe(true);
    expect(
      [e('session_not_found', 400), e('invalid_credentials', 400), e('bad_jwt', 403), e('validation_failed', 400)].some(isTransient),
    ).toBe(false);
  });

  it('definitive (drops the session): only the closed list, and only as a 4xx', () => {
    for (const code of [
      'refresh_token_not_found',
      'refresh_token_already_used',
      'session_not_found',
      'session_expired',
      'user_not_found',
      'user_banned',
    ] as const) {
      expect(isDefinitiveRefreshError(new LatchkeyError(code, 'x', { status: 400 }))).toBe(true);
    }
    expect(isDefinitiveRefreshError(new LatchkeyError('session_not_found', 'x', { status: 503 }))).toBe(false);
    expect(isDefinitiveRefreshError(new LatchkeyError('validation_failed', 'x', { status: 400 }))).toBe(false);
    expect(isDefinitiveRefreshError(new LatchkeyError('network_error', 'x'))).toBe(false);
  });
});
