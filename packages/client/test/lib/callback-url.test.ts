/** Callback URLs: what GoTrue puts in them, what is read, what is removed. */
import { describe, expect, it } from 'vitest';
import { callbackError, callbackParams, cleanedUrl, ERROR_KEYS, hasCallbackError } from '../../src/lib/callback-url.js';

const IMPLICIT =
  'https://app.example/welcome?tab=1#access_token=at&expires_at=1&expires_in=3600&refresh_token=rt&token_type=bearer&type=magiclink';
// prepErrorRedirectURL under PKCE: the error in the query and in the fragment, `sb` in the fragment.
const PKCE_ERROR =
  'https://app.example/cb?error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired#error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired&sb=';

describe('callback URLs', () => {
  it('reads the fragment and the query, the query winning', () => {
    expect(callbackParams(new URL(IMPLICIT))).toMatchObject({ access_token: 'at', refresh_token: 'rt', type: 'magiclink', tab: '1' });
    expect(callbackParams(new URL('https://a.example/?type=q#type=f')).type).toBe('q');
  });

  it('removes the session from the fragment and keeps the rest of the URL', () => {
    expect(cleanedUrl(new URL(IMPLICIT), [])).toBe('https://app.example/welcome?tab=1');
    expect(cleanedUrl(new URL('https://a.example/p#access_token=x&keep=1'), [])).toBe('https://a.example/p#keep=1');
  });

  it('removes the code from the query, and leaves a hash router’s fragment alone', () => {
    expect(cleanedUrl(new URL('https://a.example/cb?code=c&next=%2Fhome#/route'), ['code'])).toBe(
      'https://a.example/cb?next=%2Fhome#/route',
    );
  });

  it('removes an error from both places', () => {
    expect(cleanedUrl(new URL(PKCE_ERROR), ERROR_KEYS)).toBe('https://app.example/cb');
  });

  it('an error: GoTrue’s code when known, its description, the status its `error` stands for', () => {
    const params = callbackParams(new URL(PKCE_ERROR));
    expect(hasCallbackError(params)).toBe(true);
    expect(callbackError(params)).toMatchObject({ code: 'otp_expired', status: 403, message: 'Email link is invalid or has expired' });
    const unknown = callbackError({ error: 'server_error', error_code: 'hook_timeout', error_description: 'x'.repeat(1000) });
    expect(unknown).toMatchObject({ code: 'unexpected_response', status: 500 });
    expect(unknown.message).toHaveLength(300);
  });

  it('an app’s own ?error= is not a callback error', () => {
    expect(hasCallbackError({ error: 'not-found' })).toBe(false);
  });
});
