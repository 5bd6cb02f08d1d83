/** The facade: options, INITIAL_SESSION, instances sharing storage (as tabs), re-entrant callbacks. */
import { describe, expect, it } from 'vitest';
import { createClient, type AuthChangeEvent, type LatchkeyClient } from '../src/index.js';
import { memoryStorage } from '../src/storage/memory.js';
import { BASE, fakeClock, fakeServer, flush, json, REFRESH, session, tokenBody, uniqueKey, USER, type FakeClock } from './helpers.js';

const SIGN_IN = 'POST /token?grant_type=password';

function recorder(client: LatchkeyClient) {
  const events: AuthChangeEvent[] = [];
  client.onAuthStateChange((event) => void events.push(event));
  return events;
}

function twoTabs(clock: FakeClock, routes: Parameters<typeof fakeServer>[0]) {
  const server = fakeServer(routes);
  const storage = memoryStorage();
  const storageKey = uniqueKey();
  const make = () => createClient({ url: BASE, fetch: server.fetch, clock, storage, storageKey, autoRefresh: false });
  return { server, storage, storageKey, a: make(), b: make() };
}

describe('createClient', () => {
  it('rejects an unusable url or margin with a coded error', () => {
    expect(() => createClient({ url: 'not a url' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createClient({ url: 'ftp://x/auth/v1' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createClient({ url: BASE, refreshMargin: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('rejects a flowType it does not know, and supabase-js’s `detectSessionInUrl: true` (the detector is a function to import)', () => {
    expect(() => createClient({ url: BASE, flowType: 'PKCE' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createClient({ url: BASE, detectSessionInUrl: true as never })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(() => createClient({ url: BASE, flowType: 'pkce', detectSessionInUrl: false })).not.toThrow();
  });

  it('the client carries its flows’ entry under a symbol only: no new string keys', () => {
    const auth = createClient({ url: BASE, fetch: fakeServer({}).fetch });
    expect(Object.keys(auth)).toHaveLength(15);
    expect(Object.getOwnPropertySymbols(auth)).toHaveLength(1);
    auth.dispose();
  });

  it('in Node: memory storage, no auto-refresh timer, nothing needed from window', async () => {
    expect(typeof (globalThis as any).window).toBe('undefined');
    const clock = fakeClock();
    const server = fakeServer({ [SIGN_IN]: () => json(200, tokenBody(1)) });
    const auth = createClient({ url: BASE, fetch: server.fetch, clock });
    expect((await auth.signInWithPassword({ email: 'a@example.com', password: 'pw' })).error).toBeNull();
    expect(clock.pending()).toBe(0);
    expect((await auth.getSession()).data.session?.access_token).toBe('access-1');
    auth.dispose();
  });

  it('INITIAL_SESSION first, per subscriber, with the stored session', async () => {
    const clock = fakeClock();
    const storage = memoryStorage();
    const storageKey = uniqueKey();
    await storage.setItem(storageKey, JSON.stringify(session(1, clock.now())));
    const auth = createClient({ url: BASE, fetch: fakeServer({}).fetch, clock, storage, storageKey, autoRefresh: false });
    const seen: [string, string | undefined][] = [];
    auth.onAuthStateChange((event, s) => void seen.push([event, s?.access_token]));
    await flush();
    const late: string[] = [];
    const { unsubscribe } = auth.onAuthStateChange((event) => void late.push(event));
    await flush();
    expect(seen).toEqual([['INITIAL_SESSION', 'access-1']]);
    expect(late).toEqual(['INITIAL_SESSION']);
    unsubscribe();
    await auth.signOut({ scope: 'local' });
    expect(seen.map(([e]) => e)).toEqual(['INITIAL_SESSION', 'SIGNED_OUT']);
    expect(late).toEqual(['INITIAL_SESSION']);
    auth.dispose();
  });

  it('two instances on one storage (as two tabs): one refresh between them, and each reports every change once', async () => {
    const clock = fakeClock();
    let n = 0;
    const tabs = twoTabs(clock, {
      [SIGN_IN]: () => json(200, tokenBody(++n, 3600)),
      [REFRESH]: () => json(200, tokenBody(++n, 3600)),
      'POST /logout': () => new Response(null, { status: 204 }),
    });
    const eventsA = recorder(tabs.a);
    const eventsB = recorder(tabs.b);
    await tabs.a.signInWithPassword({ email: 'a@example.com', password: 'pw' });
    await flush();
    expect(eventsB).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    await clock.advance(3_560_000); // both due
    const [ra, rb] = await Promise.all([tabs.a.getSession(), tabs.b.getSession()]);
    expect(tabs.server.count(REFRESH)).toBe(1);
    expect(ra.data.session?.access_token).toBe('access-2');
    expect(rb.data.session?.access_token).toBe('access-2');
    await flush();
    expect(eventsA).toEqual(['INITIAL_SESSION', 'SIGNED_IN', 'TOKEN_REFRESHED']);
    expect(eventsB).toEqual(['INITIAL_SESSION', 'SIGNED_IN', 'TOKEN_REFRESHED']);
    await tabs.b.signOut({ scope: 'local' });
    await flush();
    expect(eventsA.at(-1)).toBe('SIGNED_OUT');
    expect(eventsB.at(-1)).toBe('SIGNED_OUT');
    expect(eventsA.filter((e) => e === 'SIGNED_OUT')).toHaveLength(1);
    tabs.a.dispose();
    tabs.b.dispose();
  });

  it('a callback that calls back into the client (and awaits it) does not deadlock', async () => {
    const clock = fakeClock();
    let n = 1;
    const server = fakeServer({ [REFRESH]: () => json(200, tokenBody(++n)), 'GET /user': () => json(200, USER) });
    const storage = memoryStorage();
    const storageKey = uniqueKey();
    await storage.setItem(storageKey, JSON.stringify(session(1, clock.now(), 30_000)));
    const auth = createClient({ url: BASE, fetch: server.fetch, clock, storage, storageKey, autoRefresh: false });
    const inside: unknown[] = [];
    const finished = new Promise<void>((resolve) => {
      auth.onAuthStateChange(async (event) => {
        if (event !== 'TOKEN_REFRESHED' || inside.length) return;
        inside.push((await auth.getSession()).data.session?.access_token);
        inside.push((await auth.refreshSession()).data.session?.access_token);
        inside.push((await auth.getUser()).data.user?.id);
        resolve();
      });
    });
    expect((await auth.getSession()).data.session?.access_token).toBe('access-2');
    await finished;
    expect(inside).toEqual(['access-2', 'access-3', USER.id]);
    auth.dispose();
  });

  it('startAutoRefresh / stopAutoRefresh arm and disarm the timer; dispose silences the client', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [REFRESH]: () => json(200, tokenBody(2)) });
    const storage = memoryStorage();
    const storageKey = uniqueKey();
    await storage.setItem(storageKey, JSON.stringify(session(1, clock.now(), 600_000)));
    const auth = createClient({ url: BASE, fetch: server.fetch, clock, storage, storageKey, autoRefresh: false });
    const events = recorder(auth);
    auth.startAutoRefresh();
    await flush();
    expect(clock.pending()).toBe(1);
    auth.stopAutoRefresh();
    expect(clock.pending()).toBe(0);
    auth.startAutoRefresh();
    await clock.advance(540_000);
    expect(server.count(REFRESH)).toBe(1);
    auth.dispose();
    expect(clock.pending()).toBe(0);
    await storage.removeItem(storageKey);
    await flush();
    expect(events).toEqual(['INITIAL_SESSION', 'TOKEN_REFRESHED']);
  });
});
