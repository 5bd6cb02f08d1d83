/** Session values: parsing, the local-clock expiry, the margin, what a change means. */
import { describe, expect, it } from 'vitest';
import { changeEvent, effectiveMargin, needsRefresh, parseStoredSession, sessionFromResponse } from '../../src/session/session.js';
import { session, tokenBody, USER } from '../helpers.js';

describe('session', () => {
  it('expires_at is computed on the local clock from expires_in, ignoring the server’s clock', () => {
    const now = Date.UTC(2030, 0, 1);
    const s = sessionFromResponse(tokenBody(1, 3600), now);
    expect(s.expires_at).toBe(now / 1000 + 3600);
  });

  it('a response without a usable session is unexpected_response', () => {
    expect(() => sessionFromResponse({ access_token: 'a' }, 0)).toThrow(expect.objectContaining({ code: 'unexpected_response' }));
  });

  it('the margin is capped at half the lifetime, so short-lived tokens are not refreshed on every call', () => {
    const now = Date.UTC(2030, 0, 1);
    const short = session(1, now, 60_000, 60); // 60 s tokens, 60 s margin
    expect(effectiveMargin(short, 60_000)).toBe(30_000);
    expect(needsRefresh(short, now, 60_000)).toBe(false);
    expect(needsRefresh(short, now + 30_000, 60_000)).toBe(true);
  });

  it('unreadable storage is no session', () => {
    expect(parseStoredSession(null)).toBeNull();
    expect(parseStoredSession('{"access_token":')).toBeNull();
    expect(parseStoredSession('{"access_token":"a"}')).toBeNull();
    expect(parseStoredSession(JSON.stringify(session(1, 0)))?.access_token).toBe('access-1');
  });

  it('changeEvent names what a change means', () => {
    const a = session(1, 0);
    expect(changeEvent(null, a)).toBe('SIGNED_IN');
    expect(changeEvent(a, null)).toBe('SIGNED_OUT');
    expect(changeEvent(a, session(2, 0))).toBe('TOKEN_REFRESHED');
    expect(changeEvent(a, { ...a, user: { ...USER, user_metadata: { x: 1 } } })).toBe('USER_UPDATED');
    expect(changeEvent(a, { ...session(2, 0), user: { ...USER, id: 'other' } })).toBe('SIGNED_IN');
    expect(changeEvent(a, { ...a })).toBeUndefined();
    expect(changeEvent(null, null)).toBeUndefined();
  });
});
