/** The `session-rules` subpath: reading a stored session and the due rule, as the client applies them (used by @latchkey/ssr). */
import { describe, expect, it } from 'vitest';
import { isRefreshDue, readStoredSession } from '../src/session-rules.js';
import { isExpired } from '../src/session/session.js';

const session = {
  access_token: 'a',
  refresh_token: 'r',
  token_type: 'bearer' as const,
  expires_in: 3600,
  expires_at: 10_000,
  user: { id: 'u', aud: 'x', app_metadata: {}, user_metadata: {} },
};

describe('readStoredSession', () => {
  it('reads a session and refuses what the client would not read', () => {
    expect(readStoredSession(JSON.stringify(session))).toEqual(session);
    for (const raw of [
      null,
      '',
      'not json',
      '[]',
      JSON.stringify({ ...session, user: {} }),
      JSON.stringify({ ...session, expires_at: '1' }),
    ]) {
      expect(readStoredSession(raw)).toBeNull();
    }
  });
});

describe('isRefreshDue', () => {
  it('refreshes the margin before expiry, but at most half the lifetime ahead', () => {
    const at = session.expires_at * 1000;
    expect(isRefreshDue(session, at - 60_001, 60_000)).toBe(false);
    expect(isRefreshDue(session, at - 60_000, 60_000)).toBe(true);
    const short = { ...session, expires_in: 2 };
    expect(isRefreshDue(short, at - 1_001, 60_000)).toBe(false); // not refreshed on every call
    expect(isRefreshDue(short, at - 1_000, 60_000)).toBe(true);
    expect(isExpired(session, at - 1)).toBe(false);
    expect(isExpired(session, at)).toBe(true);
  });
});
