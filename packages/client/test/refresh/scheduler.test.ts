/** Auto-refresh: ahead of expiry, paused while hidden, backing off after failures. */
import { describe, expect, it } from 'vitest';
import type { Visibility } from '../../src/refresh/scheduler.js';
import { fakeClock, fakeServer, json, REFRESH, serverError, session, testContext, tokenBody } from '../helpers.js';

function fakeVisibility() {
  let hidden = false;
  const listeners = new Set<() => void>();
  const visibility: Visibility = {
    hidden: () => hidden,
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
  return {
    visibility,
    set(value: boolean) {
      hidden = value;
      for (const listener of listeners) listener();
    },
  };
}

/** Session #1 expiring in 10 minutes (refresh due at 9 min with the 60 s margin), scheduler started. */
async function setup(handler: Parameters<typeof fakeServer>[0][string]) {
  const clock = fakeClock();
  const server = fakeServer({ [REFRESH]: handler });
  const view = fakeVisibility();
  const t = await testContext({ fetch: server.fetch, clock, internals: { visibility: view.visibility } });
  await t.ctx.store.commit(session(1, clock.now(), 600_000, 3600), true);
  t.ctx.scheduler.start();
  return { ...t, clock, server, view };
}

describe('scheduler', () => {
  it('refreshes at expires_at minus the margin, not before, and re-arms for the new session', async () => {
    let n = 1;
    const t = await setup(() => json(200, tokenBody(++n, 600)));
    await t.clock.advance(539_000);
    expect(t.server.count(REFRESH)).toBe(0);
    await t.clock.advance(1_000);
    expect(t.server.count(REFRESH)).toBe(1);
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
    // The new session lasts 600 s: next refresh 540 s later.
    await t.clock.advance(539_000);
    expect(t.server.count(REFRESH)).toBe(1);
    await t.clock.advance(1_000);
    expect(t.server.count(REFRESH)).toBe(2);
    t.ctx.scheduler.stop();
  });

  it('pauses while hidden and refreshes on return when the session came due meanwhile', async () => {
    const t = await setup(() => json(200, tokenBody(2)));
    t.view.set(true);
    await t.clock.advance(700_000);
    expect(t.server.count(REFRESH)).toBe(0);
    expect(t.clock.pending()).toBe(0); // no timer at all while hidden
    t.view.set(false);
    await t.clock.advance(0);
    expect(t.server.count(REFRESH)).toBe(1);
    t.ctx.scheduler.stop();
  });

  it('after a transient failure, tries again with backoff (not in a tight loop), keeping the session', async () => {
    let fail = true;
    const t = await setup(() => (fail ? serverError(503, 'service_unavailable') : json(200, tokenBody(2))));
    // Due at 540 s; the in-call retries (after 187.5 ms, then 375 ms) are exhausted at 540.56 s.
    await t.clock.advance(541_000);
    expect(t.server.count(REFRESH)).toBe(3);
    // Scheduler backoff: 5 s · (0.5 + 0.5/2) = 3.75 s after the failure, i.e. at 544.31 s.
    await t.clock.advance(3_000);
    expect(t.server.count(REFRESH)).toBe(3);
    fail = false;
    await t.clock.advance(1_000);
    expect(t.server.count(REFRESH)).toBe(4);
    expect(t.ctx.store.current()?.access_token).toBe('access-2');
    expect(t.events()).toEqual(['TOKEN_REFRESHED']);
    t.ctx.scheduler.stop();
  });

  it('the full path: the session is gone on the server → the tick refreshes → removed → SIGNED_OUT, then nothing more', async () => {
    const t = await setup(() => serverError(400, 'session_not_found'));
    await t.clock.advance(540_000);
    expect(t.server.count(REFRESH)).toBe(1);
    expect(await t.storage.getItem(t.key)).toBeNull();
    expect(t.events()).toEqual(['SIGNED_OUT']);
    await t.clock.advance(3_600_000);
    expect(t.server.count(REFRESH)).toBe(1);
    expect(t.clock.pending()).toBe(0);
  });

  it('stop() cancels the timer', async () => {
    const t = await setup(() => json(200, tokenBody(2)));
    t.ctx.scheduler.stop();
    await t.clock.advance(700_000);
    expect(t.server.count(REFRESH)).toBe(0);
  });
});
