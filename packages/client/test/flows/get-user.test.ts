/**
 * getUser and `session_not_found`: confirmed through the refresh endpoint before the session is
 * dropped (the rule from supabase-js PR #2166's review).
 */
import { describe, expect, it } from 'vitest';
import { getUser } from '../../src/flows/get-user.js';
import { fakeClock, fakeServer, json, REFRESH, serverError, session, testContext, tokenBody, USER, type Handler } from '../helpers.js';

const USER_ROUTE = 'GET /user';

async function setup(routes: Record<string, Handler>) {
  const clock = fakeClock();
  const server = fakeServer(routes);
  const t = await testContext({ fetch: server.fetch, clock });
  await t.ctx.store.commit(session(1, clock.now()), true);
  return { ...t, clock, server };
}

describe('getUser', () => {
  it('asks the server with the access token and returns the user', async () => {
    const t = await setup({ [USER_ROUTE]: () => json(200, { ...USER, email: 'new@example.com' }) });
    const { data, error } = await getUser(t.ctx);
    expect(error).toBeNull();
    expect(data.user?.email).toBe('new@example.com');
    expect(t.server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
  });

  it('session_not_found, and the refresh is definitive: session removed, one SIGNED_OUT, error returned', async () => {
    const t = await setup({
      [USER_ROUTE]: () => serverError(403, 'session_not_found'),
      [REFRESH]: () => serverError(400, 'session_not_found'),
    });
    const { data, error } = await getUser(t.ctx);
    expect(data.user).toBeNull();
    expect(error?.code).toBe('session_not_found');
    expect(t.server.count(REFRESH)).toBe(1);
    expect(await t.storage.getItem(t.key)).toBeNull();
    expect(t.events()).toEqual(['SIGNED_OUT']);
    // A second call finds no session, and emits nothing more.
    expect((await getUser(t.ctx)).error?.code).toBe('session_missing');
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });

  it('session_not_found, but the refresh fails transiently: session kept, error returned, no event', async () => {
    const t = await setup({
      [USER_ROUTE]: () => serverError(403, 'session_not_found'),
      [REFRESH]: () => {
        throw new TypeError('fetch failed');
      },
    });
    const result = getUser(t.ctx);
    await t.clock.advance(5_000); // let the refresher's retries run out
    const { error } = await result;
    expect(error?.code).toBe('session_not_found');
    expect(t.server.count(REFRESH)).toBe(3);
    expect(JSON.parse((await t.storage.getItem(t.key)) as string).refresh_token).toBe('refresh-1');
    expect(t.events()).toEqual([]);
  });

  it('recovery: session_not_found was transient (replica lag) — the refresh succeeds and /user is asked again', async () => {
    let first = true;
    const t = await setup({
      [USER_ROUTE]: () => {
        if (first) {
          first = false;
          return serverError(403, 'session_not_found');
        }
        return json(200, USER);
      },
      [REFRESH]: () => json(200, tokenBody(2)),
    });
    const { data, error } = await getUser(t.ctx);
    expect(error).toBeNull();
    expect(data.user?.id).toBe(USER.id);
    expect(t.server.calls.map((c) => c.headers.get('authorization'))).toEqual(['Bearer access-1', null, 'Bearer access-2']);
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
  });

  it('a transient /user failure (503) keeps the session without refreshing; the next call succeeds', async () => {
    let down = true;
    const t = await setup({ [USER_ROUTE]: () => (down ? serverError(503, 'service_unavailable') : json(200, USER)) });
    expect((await getUser(t.ctx)).error?.code).toBe('service_unavailable');
    expect(t.server.count(REFRESH)).toBe(0);
    expect(t.ctx.store.current()?.refresh_token).toBe('refresh-1');
    down = false;
    expect((await getUser(t.ctx)).data.user?.id).toBe(USER.id);
    expect(t.events()).toEqual([]);
  });

  it('confirms once, never loops: session_not_found again after a successful refresh is returned as is', async () => {
    const t = await setup({ [USER_ROUTE]: () => serverError(403, 'session_not_found'), [REFRESH]: () => json(200, tokenBody(2)) });
    expect((await getUser(t.ctx)).error?.code).toBe('session_not_found');
    expect(t.server.count(USER_ROUTE)).toBe(2);
    expect(t.server.count(REFRESH)).toBe(1);
  });

  it('without a session: session_missing and no request', async () => {
    const clock = fakeClock();
    const server = fakeServer({});
    const t = await testContext({ fetch: server.fetch, clock });
    expect((await getUser(t.ctx)).error?.code).toBe('session_missing');
    expect(server.calls).toHaveLength(0);
  });
});
