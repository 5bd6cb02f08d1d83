/** refreshSession: refreshes now even when not due, joining a refresh in flight. */
import { describe, expect, it } from 'vitest';
import { refreshSession } from '../../src/flows/refresh-session.js';
import { fakeClock, fakeServer, json, REFRESH, session, testContext, tokenBody } from '../helpers.js';

describe('refreshSession', () => {
  it('refreshes a session that is not due; concurrent calls share the one request', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [REFRESH]: () => json(200, tokenBody(2)) });
    const t = await testContext({ fetch: server.fetch, clock });
    await t.ctx.store.commit(session(1, clock.now()), true);
    const [a, b] = await Promise.all([refreshSession(t.ctx), refreshSession(t.ctx)]);
    expect(a.data.session?.access_token).toBe('access-2');
    expect(b.data.session?.access_token).toBe('access-2');
    expect(server.count(REFRESH)).toBe(1);
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
  });

  it('without a session: session_missing, no request', async () => {
    const clock = fakeClock();
    const server = fakeServer({});
    const t = await testContext({ fetch: server.fetch, clock });
    expect((await refreshSession(t.ctx)).error?.code).toBe('session_missing');
    expect(server.calls).toHaveLength(0);
  });
});
