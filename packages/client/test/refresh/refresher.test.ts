/**
 * The refresher: single-flight, re-reading storage under the lock, retries on transient failures,
 * dropping the session only on a definitive answer, events after the lock.
 */
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/storage/memory.js';
import { deferred, fakeClock, fakeServer, json, observedLock, REFRESH, serverError, session, testContext, tokenBody } from '../helpers.js';

/** A context holding session #1, due for refresh (expires in 30 s, margin 60 s). */
async function setup(routes: Parameters<typeof fakeServer>[0], options: { expiresInMs?: number } = {}) {
  const clock = fakeClock();
  const server = fakeServer(routes);
  const t = await testContext({ fetch: server.fetch, clock });
  await t.ctx.store.commit(session(1, clock.now(), options.expiresInMs ?? 30_000), true);
  const stored = async () => JSON.parse((await t.storage.getItem(t.key)) ?? 'null');
  return { ...t, clock, server, stored };
}

describe('refresher', () => {
  it('single-flight: 100 concurrent refreshes share one critical section and one request; one TOKEN_REFRESHED', async () => {
    const gate = deferred<Response>();
    const clock = fakeClock();
    const server = fakeServer({ [REFRESH]: () => gate.promise });
    const lock = observedLock();
    const t = { ...(await testContext({ fetch: server.fetch, clock, lock })), clock, server };
    await t.ctx.store.commit(session(1, clock.now(), 30_000), true);
    const all = Promise.all(Array.from({ length: 100 }, () => t.ctx.refresher.refresh()));
    await t.clock.advance(0);
    gate.resolve(json(200, tokenBody(2)));
    const outcomes = await all;
    // One request — and not merely because 99 queued lock holders each re-read storage: one flight.
    expect(lock.acquisitions()).toBe(1);
    expect(t.server.count(REFRESH)).toBe(1);
    expect(t.server.calls[0]?.body).toEqual({ refresh_token: 'refresh-1' });
    expect(new Set(outcomes.map((o) => (o.kind === 'ok' ? o.session.access_token : o.kind)))).toEqual(new Set(['access-2']));
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
    expect(JSON.parse((await t.storage.getItem(t.key)) as string).refresh_token).toBe('refresh-2');
  });

  it('does not send a request when the session is not due', async () => {
    const t = await setup({ [REFRESH]: () => json(200, tokenBody(2)) }, { expiresInMs: 3_600_000 });
    const outcome = await t.ctx.refresher.refresh();
    expect(outcome).toMatchObject({ kind: 'ok', session: { access_token: 'access-1' } });
    expect(t.server.count(REFRESH)).toBe(0);
  });

  it('adopts a session another tab already rotated (re-read under the lock), without a request', async () => {
    const t = await setup({ [REFRESH]: () => json(200, tokenBody(9)) });
    // Another instance wrote session #2 directly to storage; this client has not seen it yet.
    await t.storage.setItem(t.key, JSON.stringify(session(2, t.clock.now())));
    const outcome = await t.ctx.refresher.refresh();
    expect(outcome).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect(t.server.count(REFRESH)).toBe(0);
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
  });

  it('`stale`: refreshes a session that is not due when the caller saw its token rejected, but not one already replaced', async () => {
    const t = await setup({ [REFRESH]: () => json(200, tokenBody(2)) }, { expiresInMs: 3_600_000 });
    expect(await t.ctx.refresher.refresh({ stale: 'access-1' })).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect(await t.ctx.refresher.refresh({ stale: 'access-1' })).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect(t.server.count(REFRESH)).toBe(1);
  });

  it('retries transient failures (network error, 503) with backoff, keeping the session meanwhile', async () => {
    let n = 0;
    const t = await setup({
      [REFRESH]: () => {
        n++;
        if (n === 1) throw new TypeError('fetch failed');
        if (n === 2) return serverError(503, 'service_unavailable');
        return json(200, tokenBody(2));
      },
    });
    const result = t.ctx.refresher.refresh();
    await t.clock.advance(0);
    expect(t.server.count(REFRESH)).toBe(1);
    expect((await t.stored()).refresh_token).toBe('refresh-1');
    await t.clock.advance(249); // first backoff: 250 ms · 2^0 · (0.5 + 0.5/2) = 187.5 ms
    expect(t.server.count(REFRESH)).toBe(2);
    await t.clock.advance(500);
    expect(await result).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect(t.server.count(REFRESH)).toBe(3);
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
  });

  it('keeps the session (storage and memory) and emits nothing when every attempt fails transiently', async () => {
    const t = await setup({ [REFRESH]: () => serverError(502, 'unexpected_failure') });
    const result = t.ctx.refresher.refresh();
    await t.clock.advance(10_000);
    expect(await result).toMatchObject({
      kind: 'failed',
      error: { code: 'unexpected_failure', status: 502 },
      session: { refresh_token: 'refresh-1' },
    });
    expect(t.server.count(REFRESH)).toBe(3);
    expect((await t.stored()).refresh_token).toBe('refresh-1');
    expect(t.ctx.store.current()?.refresh_token).toBe('refresh-1');
    expect(t.events()).toEqual([]);
  });

  it('times out a hung refresh (even if fetch ignores the abort signal) and retries', async () => {
    let n = 0;
    const t = await setup({ [REFRESH]: () => (++n === 1 ? new Promise<Response>(() => {}) : json(200, tokenBody(2))) });
    const result = t.ctx.refresher.refresh();
    await t.clock.advance(5_000);
    await t.clock.advance(1_000);
    expect(await result).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect(n).toBe(2);
  });

  it.each([
    'refresh_token_not_found',
    'refresh_token_already_used',
    'session_not_found',
    'session_expired',
    'user_not_found',
    'user_banned',
  ])('definitive %s: storage cleared, exactly one SIGNED_OUT, no retry', async (code) => {
    const t = await setup({ [REFRESH]: () => serverError(code === 'user_not_found' ? 404 : 400, code) });
    const outcomes = await Promise.all([t.ctx.refresher.refresh(), t.ctx.refresher.refresh()]);
    expect(outcomes[0]).toMatchObject({ kind: 'signed_out', error: { code } });
    expect(await t.ctx.refresher.refresh()).toEqual({ kind: 'none' });
    expect(t.server.count(REFRESH)).toBe(1);
    expect(await t.storage.getItem(t.key)).toBeNull();
    expect(t.ctx.store.current()).toBeNull();
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });

  it('a refusal that says nothing about the session (400 validation_failed) is not retried and keeps the session', async () => {
    const t = await setup({ [REFRESH]: () => serverError(400, 'validation_failed') });
    expect(await t.ctx.refresher.refresh()).toMatchObject({ kind: 'failed', error: { code: 'validation_failed' } });
    expect(t.server.count(REFRESH)).toBe(1);
    expect((await t.stored()).refresh_token).toBe('refresh-1');
    expect(t.events()).toEqual([]);
  });

  it('after a call whose attempts all failed, later calls fail at once until a cooldown that grows, then try again', async () => {
    let up = false;
    const t = await setup({ [REFRESH]: () => (up ? json(200, tokenBody(2)) : serverError(502, 'unexpected_failure')) });
    // The tests' random is 0.5, so every delay is 0.75 of its nominal value. The first call's three
    // attempts take 187.5 + 375 = 562.5 ms; its cooldown is then 1 s · 0.75 = 750 ms (to 1,312.5).
    const first = t.ctx.refresher.refresh();
    await t.clock.advance(600);
    expect(await first).toMatchObject({ kind: 'failed', error: { status: 502 } });
    expect(t.server.count(REFRESH)).toBe(3);
    expect(await t.ctx.refresher.refresh()).toMatchObject({
      kind: 'failed',
      error: { status: 502 },
      session: { refresh_token: 'refresh-1' },
    });
    expect(t.server.count(REFRESH)).toBe(3);
    // Past the cooldown (1,350 ms): the next call tries again, three attempts, until 1,912.5 ms;
    // the second cooldown is twice as long (1,500 ms, to 3,412.5).
    await t.clock.advance(750);
    const second = t.ctx.refresher.refresh();
    await t.clock.advance(600);
    expect(await second).toMatchObject({ kind: 'failed' });
    expect(t.server.count(REFRESH)).toBe(6);
    await t.clock.advance(1_000);
    expect(await t.ctx.refresher.refresh()).toMatchObject({ kind: 'failed' });
    expect(t.server.count(REFRESH)).toBe(6);
    // The server is back; after the cooldown one request succeeds, and the cooldown is reset.
    up = true;
    await t.clock.advance(500);
    expect(await t.ctx.refresher.refresh()).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect(t.server.count(REFRESH)).toBe(7);
    expect(t.ctx.refresher.notBefore()).toBe(0);
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
  });

  it('honours a long Retry-After: fails at once, and sends nothing until it has passed', async () => {
    let limited = true;
    const t = await setup({
      [REFRESH]: () => (limited ? serverError(429, 'over_request_rate_limit', { 'retry-after': '60' }) : json(200, tokenBody(2))),
    });
    expect(await t.ctx.refresher.refresh()).toMatchObject({
      kind: 'failed',
      error: { code: 'over_request_rate_limit', retryAfter: 60_000 },
    });
    expect(t.server.count(REFRESH)).toBe(1);
    limited = false;
    await t.clock.advance(30_000);
    expect(await t.ctx.refresher.refresh()).toMatchObject({ kind: 'failed', error: { code: 'over_request_rate_limit' } });
    expect(t.server.count(REFRESH)).toBe(1);
    await t.clock.advance(30_000);
    expect(await t.ctx.refresher.refresh()).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect((await t.stored()).refresh_token).toBe('refresh-2');
  });

  it('a short Retry-After is waited out inside the call', async () => {
    let n = 0;
    const t = await setup({
      [REFRESH]: () => (++n === 1 ? serverError(429, 'over_request_rate_limit', { 'retry-after': '3' }) : json(200, tokenBody(2))),
    });
    const result = t.ctx.refresher.refresh();
    await t.clock.advance(2_999);
    expect(n).toBe(1);
    await t.clock.advance(1);
    expect(await result).toMatchObject({ kind: 'ok' });
  });

  it('a definitive answer about a token that storage no longer holds does not sign out (the racing writer wins)', async () => {
    const clock = fakeClock();
    const storage = memoryStorage();
    const target: { key?: string } = {};
    // While our request for refresh-1 is out, another writer that did not share our lock (no Web
    // Locks, or a stolen lock) stores refresh-2; the server then refuses refresh-1 as already used.
    const server = fakeServer({
      [REFRESH]: async () => {
        await storage.setItem(target.key as string, JSON.stringify(session(2, clock.now())));
        return serverError(400, 'refresh_token_already_used');
      },
    });
    const t = await testContext({ fetch: server.fetch, clock, storage });
    target.key = t.key;
    await t.ctx.store.commit(session(1, clock.now(), 30_000), true);
    const outcome = await t.ctx.refresher.refresh();
    expect(outcome).toMatchObject({ kind: 'ok', session: { refresh_token: 'refresh-2' } });
    expect(JSON.parse((await storage.getItem(t.key)) as string).refresh_token).toBe('refresh-2');
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
  });

  it('emits only after the lock is released, and a listener that refreshes again does not deadlock', async () => {
    const clock = fakeClock();
    let n = 1;
    const server = fakeServer({ [REFRESH]: () => json(200, tokenBody(++n)) });
    const lock = observedLock();
    const t = await testContext({ fetch: server.fetch, clock, lock });
    await t.ctx.store.commit(session(1, clock.now(), 30_000), true);
    const heldDuringEvent: boolean[] = [];
    const reentrant: Promise<unknown>[] = [];
    t.ctx.events.on((event, s) => {
      heldDuringEvent.push(lock.held());
      // Calls back into the refresher from inside the callback (the supabase-js deadlock).
      if (event === 'TOKEN_REFRESHED' && reentrant.length === 0)
        reentrant.push(t.ctx.refresher.refresh({ stale: s?.access_token as string }));
    });
    expect(await t.ctx.refresher.refresh()).toMatchObject({ kind: 'ok', session: { access_token: 'access-2' } });
    expect(await reentrant[0]).toMatchObject({ kind: 'ok', session: { access_token: 'access-3' } });
    expect(heldDuringEvent).toEqual([false, false]);
  });
});
