/** getSession: local unless due; a due session is refreshed first, through the shared refresher. */
import { describe, expect, it } from 'vitest';
import { getSession } from '../../src/flows/get-session.js';
import { fakeClock, fakeServer, json, REFRESH, serverError, session, testContext, tokenBody, type Handler } from '../helpers.js';

async function setup(refresh: Handler, expiresInMs: number) {
  const clock = fakeClock();
  const server = fakeServer({ [REFRESH]: refresh });
  const t = await testContext({ fetch: server.fetch, clock });
  await t.ctx.store.commit(session(1, clock.now(), expiresInMs), true);
  return { ...t, clock, server };
}

describe('getSession', () => {
  it('a session that is not due is returned without any request', async () => {
    const t = await setup(() => json(200, tokenBody(2)), 3_600_000);
    expect((await getSession(t.ctx)).data.session?.access_token).toBe('access-1');
    expect(t.server.calls).toHaveLength(0);
  });

  it('a due session is refreshed first; 100 parallel calls make one request', async () => {
    const t = await setup(() => json(200, tokenBody(2)), 30_000);
    const results = await Promise.all(Array.from({ length: 100 }, () => getSession(t.ctx)));
    expect(new Set(results.map((r) => r.data.session?.access_token))).toEqual(new Set(['access-2']));
    expect(t.server.count(REFRESH)).toBe(1);
  });

  it('an early refresh that fails transiently still yields the old session while its token is valid', async () => {
    const t = await setup(() => serverError(503, 'service_unavailable'), 30_000);
    const result = getSession(t.ctx);
    await t.clock.advance(2_000);
    expect(await result).toEqual({ data: { session: expect.objectContaining({ access_token: 'access-1' }) }, error: null });
  });

  it('an expired session whose refresh fails transiently: error, session kept in storage; the next call recovers', async () => {
    let down = true;
    const t = await setup(() => (down ? serverError(503, 'service_unavailable') : json(200, tokenBody(2))), -1_000);
    const result = getSession(t.ctx);
    await t.clock.advance(2_000);
    const { data, error } = await result;
    expect(data.session).toBeNull();
    expect(error?.code).toBe('service_unavailable');
    expect(JSON.parse((await t.storage.getItem(t.key)) as string).refresh_token).toBe('refresh-1');
    expect(t.events()).toEqual([]);
    down = false;
    expect((await getSession(t.ctx)).data.session?.access_token).toBe('access-2');
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
  });

  it('sees a sign-out made by another tab (storage) and reports it', async () => {
    const t = await setup(() => json(200, tokenBody(2)), 3_600_000);
    await t.storage.removeItem(t.key);
    expect((await getSession(t.ctx)).data.session).toBeNull();
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });
});
