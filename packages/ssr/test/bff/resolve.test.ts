/**
 * The locked refresh, deterministic: two resolvers standing for two processes (each its own
 * single-flight) over one store and one lock, against a scripted auth server.
 */
import { describe, expect, it } from 'vitest';
import { memoryLock, memoryStore, type Lease, type SessionLock, type SessionStore } from '../../src/bff/index.js';
import { createResolver } from '../../src/bff/resolve.js';
import { movableClock, record } from '../support/records.js';

/** A scripted refresh endpoint: counts calls, answers after `delay` ms with the next token pair, or refuses. */
function authServer(options: { delay?: number; refuse?: string } = {}) {
  const state = { refreshes: 0 };
  const fetchImpl = (async (input: RequestInfo | URL) => {
    const url = String(input);
    if (!url.includes('grant_type=refresh_token')) return new Response(null, { status: 204 });
    const n = ++state.refreshes;
    await new Promise((resolve) => setTimeout(resolve, options.delay ?? 20));
    if (options.refuse) return Response.json({ code: options.refuse, message: 'no' }, { status: 400 });
    return Response.json({
      access_token: `access-${n}`,
      refresh_token: `refresh-${n}`,
      token_type: 'bearer',
      expires_in: 3600,
      user: { id: 'user-a', aud: 'authenticated', app_metadata: {}, user_metadata: {} },
    });
  }) as typeof fetch;
  return { state, fetch: fetchImpl };
}

function resolvers(count: number, store: SessionStore, lock: SessionLock, fetchImpl: typeof fetch, clock: { now(): number }) {
  return Array.from({ length: count }, () =>
    createResolver({ authUrl: 'https://auth.example/auth/v1', apiKey: undefined, fetch: fetchImpl, clock, marginMs: 60_000, store, lock }),
  );
}

/** A record signed in 1 h 1 s ago: its access token (1 h) has expired, the record (2 h) has not. */
async function expired(store: SessionStore, clock: ReturnType<typeof movableClock>, key = 'k') {
  await store.create(key, record(clock.now() - 3_601_000, 'a', 7_200_000));
}

describe('locked refresh', () => {
  it('two processes, twenty requests each: one refresh, and the second process re-reads the record under the lock instead of refreshing', async () => {
    const clock = movableClock();
    const store = memoryStore({ clock });
    await expired(store, clock);
    const auth = authServer({ delay: 30 });
    const [a, b] = resolvers(2, store, memoryLock(), auth.fetch, clock);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a! : b!).resolve('k')));
    expect(auth.state.refreshes).toBe(1);
    expect(new Set(results.map((r) => (r.kind === 'ok' ? r.record.session.access_token : r.error.code)))).toEqual(new Set(['access-1']));
    expect((await store.get('k'))?.record.session.refresh_token).toBe('refresh-1');
  });

  it('a fresh record is used without taking the lock', async () => {
    const clock = movableClock();
    const store = memoryStore({ clock });
    await store.create('k', record(clock.now()));
    const lock: SessionLock = { acquire: () => Promise.reject(new Error('the lock must not be taken')) };
    const [a] = resolvers(1, store, lock, authServer().fetch, clock);
    expect((await a!.resolve('k')).kind).toBe('ok');
  });

  it('regression (security review): when the stored record is still due after a refused write, it is not served', async () => {
    const clock = movableClock();
    const store = memoryStore({ clock });
    await expired(store, clock);
    await store.update('k', (await store.get('k'))!.record, 50); // a fence above ours, record still due
    const late: SessionLock = {
      acquire: async (): Promise<Lease> => ({ fence: 3, validUntil: Date.now() + 5_000, release: async () => undefined }),
    };
    const auth = authServer();
    const [a] = resolvers(1, store, late, auth.fetch, clock);
    const result = await a!.resolve('k');
    // Serving it would hand out an expired access token and re-present a used refresh token.
    expect(result.kind === 'error' && result.error.code).toBe('auth_unavailable');
    expect((await store.get('k'))?.fence).toBe(50);
  });

  it('a definitive refusal deletes the record (fenced) and answers session_ended; a transient one keeps it', async () => {
    const clock = movableClock();
    const store = memoryStore({ clock });
    await expired(store, clock);
    const [refused] = resolvers(1, store, memoryLock(), authServer({ refuse: 'refresh_token_already_used' }).fetch, clock);
    const ended = await refused!.resolve('k');
    expect(ended.kind === 'error' && ended.error.code).toBe('session_ended');
    expect(await store.get('k')).toBeNull();

    await expired(store, clock, 'k2');
    const down = (async () => new Response('{}', { status: 503 })) as unknown as typeof fetch;
    const [failing] = resolvers(1, store, memoryLock(), down, clock);
    const failed = await failing!.resolve('k2');
    expect(failed.kind === 'error' && [failed.error.code, failed.error.status]).toEqual(['auth_unavailable', 503]);
    expect(await store.get('k2')).not.toBeNull();
  });

  it('a lock that cannot be had in time answers lock_timeout, and the record is untouched', async () => {
    const clock = movableClock();
    const store = memoryStore({ clock });
    await expired(store, clock);
    const lock = memoryLock({ wait: 50 });
    const held = await lock.acquire('k');
    const [a] = resolvers(1, store, lock, authServer().fetch, clock);
    const result = await a!.resolve('k');
    expect(result.kind === 'error' && result.error.code).toBe('lock_timeout');
    await held.release();
  });
});
