/** Session records for store tests (no auth server needed: the store treats them as data). */
import type { SessionRecord } from '../../src/bff/index.js';

export function record(now: number, label = 'a', ttlMs = 60_000): SessionRecord {
  return {
    session: {
      access_token: `access-${label}`,
      refresh_token: `refresh-${label}`,
      token_type: 'bearer',
      expires_in: 3600,
      expires_at: Math.floor(now / 1000) + 3600,
      user: { id: `user-${label}`, aud: 'authenticated', app_metadata: {}, user_metadata: { label, text: 'ü🙂' } },
    },
    createdAt: now,
    expiresAt: now + ttlMs,
  };
}

/** A clock the test moves. */
export function movableClock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}
