/**
 * Issue #12, as a user met it: many clients refresh while the auth server's database is stalled
 * for longer than both the client's request timeout (5 s) and the reuse interval. Each client
 * gives up on its request and, later, presents its newest token again. The server must take that
 * for what it is — the same client, retrying — and not for reuse: no session may be signed out.
 *
 * Real time on purpose: the stall is a real wait (the embedded database held by an open
 * transaction), and the client's own 5-second request timeout is what it exercises. The reuse
 * interval is 1 s, so "longer than the interval" stays short.
 */
import { startTestServer, type FakeClock, type TestServer } from '@latchkey/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, memoryStorage, type AuthChangeEvent } from '../../src/index.js';
import { uniqueKey } from '../helpers.js';

const CLIENTS = 32;

function systemTime(): FakeClock {
  const clock = (() => Date.now()) as FakeClock;
  clock.advance = clock.set = () => {
    throw new Error('this test runs on the system clock');
  };
  return clock;
}

let server: TestServer;
beforeAll(async () => {
  // No statement timeout short enough to end the stall: every request waits it out.
  server = await startTestServer({ clock: systemTime(), config: { refreshReuseInterval: 1, dbTimeoutMs: 30_000 } });
});
afterAll(() => server?.close());

describe('a database stalled longer than the client timeout and the reuse interval', () => {
  it(`${CLIENTS} clients refreshing across it keep every session`, async () => {
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const refusals: string[] = [];
        const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
          const response = await fetch(input, init);
          if (String(input).includes('grant_type=refresh_token') && !response.ok)
            refusals.push(((await response.clone().json()) as { code: string }).code);
          return response;
        }) as typeof fetch;
        const auth = createClient({
          url: server.authUrl,
          fetch: fetchImpl,
          storage: memoryStorage(),
          storageKey: uniqueKey(),
          autoRefresh: false,
        });
        const events: AuthChangeEvent[] = [];
        auth.onAuthStateChange((event) => void events.push(event));
        const { error } = await auth.signUp({ email: `${uniqueKey()}@example.com`, password: 'correct horse battery staple' });
        expect(error).toBeNull();
        return { auth, events, refusals };
      }),
    );

    // Hold the embedded database (its one connection) for 6.5 s.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stall = server.app.db.transaction(() => gate);
    const during = Promise.all(clients.map((c) => c.auth.refreshSession()));
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    release();
    await stall;
    await during;

    // Every client refreshes again with whatever token it holds — for most, the one whose
    // rotation committed only when the stall ended, more than 1 s after the request arrived.
    const after = await Promise.all(clients.map((c) => c.auth.refreshSession()));
    expect(after.map((r) => r.error?.code ?? null)).toEqual(Array(CLIENTS).fill(null));
    for (const c of clients) {
      expect(c.events).not.toContain('SIGNED_OUT');
      expect(c.refusals.filter((code) => code !== 'service_unavailable')).toEqual([]);
      expect((await c.auth.getUser()).error).toBeNull();
    }
  });
});
