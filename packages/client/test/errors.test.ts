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

describe('LatchkeyError', () => {
  it('lists exactly the codes @latchkey/server can answer with, plus the client’s own', () => {
    expect([...SERVER_ERROR_CODES].sort()).toEqual(Object.keys(SERVER_CODES).sort());
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
