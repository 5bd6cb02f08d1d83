/**
 * Against a real Latchkey server (in-process, real HTTP, PGlite), with the server's clock shared
 * by the client so tokens expire when the test says so. Requests are counted at the network layer
 * (a counting `fetch`). Each test signs up its own user: no state carried between tests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, memoryStorage, type AuthChangeEvent, type LatchkeyClient, type StorageAdapter } from '../../src/index.js';
import { uniqueKey } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';

let server: TestServer;
let api: Server;
let apiUrl: string;

beforeAll(async () => {
  server = await startTestServer({ config: { jwtExp: 60, refreshReuseInterval: 10 } });
  // A resource API that accepts a request only if the auth server accepts its bearer token.
  api = createServer(async (req, res) => {
    const check = await fetch(`${server.authUrl}/user`, { headers: { authorization: req.headers.authorization ?? '' } });
    await check.arrayBuffer();
    res.writeHead(check.ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: check.ok }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/notes`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
  await server?.close();
});

/** A fetch that counts refresh requests and the refresh endpoint's refusals, and can play down. */
function network() {
  const state = { refreshes: 0, refusals: [] as string[], down: undefined as undefined | 'network' | '503', fakeUserSessionNotFound: 0 };
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('grant_type=refresh_token')) {
      state.refreshes++;
      if (state.down === 'network') throw new TypeError('fetch failed');
      if (state.down === '503') return new Response(JSON.stringify({ code: 'service_unavailable', message: 'down' }), { status: 503 });
    }
    if (url.endsWith('/auth/v1/user') && (init?.method ?? 'GET') === 'GET' && state.fakeUserSessionNotFound > 0) {
      // A read served by a lagging replica: the session looks gone though it is not.
      state.fakeUserSessionNotFound--;
      return new Response(JSON.stringify({ code: 'session_not_found', message: 'Session not found.' }), { status: 403 });
    }
    const response = await fetch(input, init);
    if (url.includes('grant_type=refresh_token') && !response.ok)
      state.refusals.push(((await response.clone().json()) as { code: string }).code);
    return response;
  }) as typeof fetch;
  return { state, fetch: fetchImpl };
}

function client(net: ReturnType<typeof network>, options: { storage?: StorageAdapter; storageKey?: string } = {}): LatchkeyClient {
  return createClient({
    url: server.authUrl,
    fetch: net.fetch,
    clock: { now: () => server.clock() },
    storage: options.storage ?? memoryStorage(),
    storageKey: options.storageKey ?? uniqueKey(),
    autoRefresh: false,
  });
}

function events(auth: LatchkeyClient): AuthChangeEvent[] {
  const seen: AuthChangeEvent[] = [];
  auth.onAuthStateChange((event) => void seen.push(event));
  return seen;
}

const email = () => `${uniqueKey()}@example.com`;

async function signedIn(net = network(), options: Parameters<typeof client>[1] = {}) {
  const auth = client(net, options);
  const { data, error } = await auth.signUp({ email: email(), password: PASSWORD, data: { name: 'Ada' } });
  expect(error).toBeNull();
  return { auth, net, user: data.user!, session: data.session! };
}

const expire = () => server.clock.advance(61_000);

describe('@latchkey/client against a real server', () => {
  it('sign-up, sign-in, errors with the server’s codes', async () => {
    const net = network();
    const auth = client(net);
    const address = email();
    expect((await auth.signUp({ email: address, password: PASSWORD })).data.session?.access_token).toBeTruthy();
    expect((await auth.signUp({ email: address, password: PASSWORD })).error).toMatchObject({ code: 'user_already_exists', status: 422 });
    expect((await auth.signUp({ email: email(), password: 'short' })).error).toMatchObject({
      code: 'weak_password',
      reasons: expect.arrayContaining(['length']),
    });
    expect((await auth.signInWithPassword({ email: address, password: 'wrong password' })).error).toMatchObject({
      code: 'invalid_credentials',
      status: 400,
    });
    const { data } = await auth.signInWithPassword({ email: address, password: PASSWORD });
    expect(data.user?.email).toBe(address);
    expect((await auth.getUser()).data.user?.id).toBe(data.user?.id);
    expect((await auth.updateUser({ data: { theme: 'dark' } })).data.user?.user_metadata).toMatchObject({ theme: 'dark' });
    expect((await auth.getSession()).data.session?.user.user_metadata).toMatchObject({ theme: 'dark' });
  });

  it('100 parallel auth.fetch calls after expiry: exactly one refresh request, all answered 200', async () => {
    const { auth, net } = await signedIn();
    expire();
    const responses = await Promise.all(Array.from({ length: 100 }, () => auth.fetch(apiUrl)));
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(net.state.refreshes).toBe(1);
    expect(net.state.refusals).toEqual([]);
  });

  it('100 parallel getSession calls after expiry: exactly one refresh request, one session', async () => {
    const { auth, net } = await signedIn();
    expire();
    const results = await Promise.all(Array.from({ length: 100 }, () => auth.getSession()));
    expect(new Set(results.map((r) => r.data.session?.refresh_token)).size).toBe(1);
    expect(net.state.refreshes).toBe(1);
    expect((await auth.getUser()).error).toBeNull();
  });

  it('two client instances sharing one storage (as two tabs): one refresh, both on the new session', async () => {
    const storage = memoryStorage();
    const storageKey = uniqueKey();
    const { auth: a, net } = await signedIn(network(), { storage, storageKey });
    const b = client(net, { storage, storageKey });
    const eventsB = events(b);
    expire();
    const [ra, rb] = await Promise.all([a.getSession(), b.getSession()]);
    expect(net.state.refreshes).toBe(1);
    expect(ra.data.session?.refresh_token).toBe(rb.data.session?.refresh_token);
    expect(eventsB).toContain('TOKEN_REFRESHED');
    expect((await b.getUser()).error).toBeNull();
  });

  it.each(['network', '503'] as const)(
    'transient failure (%s): the session is kept, and the first call after the cooldown recovers',
    async (mode) => {
      const { auth, net } = await signedIn();
      const seen = events(auth);
      expire();
      net.state.down = mode;
      const failed = await auth.getSession();
      expect(failed.error?.code).toBe(mode === 'network' ? 'network_error' : 'service_unavailable');
      expect(net.state.refreshes).toBe(3); // retried with backoff
      expect(seen).not.toContain('SIGNED_OUT');
      net.state.down = undefined;
      // A call right after fails at once (the cross-call cooldown, < 1 s after a first failed call);
      // once it has passed, the next call recovers.
      expect((await auth.getSession()).error?.code).toBe(failed.error?.code);
      expect(net.state.refreshes).toBe(3);
      server.clock.advance(1_000);
      const recovered = await auth.getSession();
      expect(recovered.error).toBeNull();
      expect((await auth.getUser()).error).toBeNull();
      expect(seen).toEqual(['INITIAL_SESSION', 'TOKEN_REFRESHED']);
    },
  );

  it('a session revoked by an admin: getUser confirms through the refresh endpoint, then exactly one SIGNED_OUT and cleared storage', async () => {
    const storage = memoryStorage();
    const storageKey = uniqueKey();
    const { auth, net, user } = await signedIn(network(), { storage, storageKey });
    const seen = events(auth);
    const deleted = await fetch(`${server.authUrl}/admin/users/${user.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${server.secretKey}` },
    });
    expect(deleted.ok).toBe(true);
    const { data, error } = await auth.getUser();
    expect(data.user).toBeNull();
    expect(error?.code).toBe('session_not_found');
    expect(net.state.refreshes).toBe(1);
    expect(await storage.getItem(storageKey)).toBeNull();
    // Nothing more to sign out of: no second event, from any call.
    expect((await auth.getSession()).data.session).toBeNull();
    expect((await auth.getUser()).error?.code).toBe('session_missing');
    expect(seen).toEqual(['INITIAL_SESSION', 'SIGNED_OUT']);
  });

  it('the full path with auto-refresh: session gone (signed out elsewhere) → the tick refreshes → removed → SIGNED_OUT', async () => {
    const storage = memoryStorage();
    const storageKey = uniqueKey();
    const { auth, net, session } = await signedIn(network(), { storage, storageKey });
    const signedOut = new Promise<void>((resolve) =>
      auth.onAuthStateChange((event) => {
        if (event === 'SIGNED_OUT') resolve();
      }),
    );
    // Another device signs this user out everywhere.
    const logout = await fetch(`${server.authUrl}/logout?scope=global`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    expect(logout.status).toBe(204);
    server.clock.advance(45_000); // past expires_at − margin (30 s for 60 s tokens)
    auth.startAutoRefresh();
    await signedOut;
    expect(net.state.refusals).toEqual(['session_not_found']);
    expect(await storage.getItem(storageKey)).toBeNull();
    auth.dispose();
  });

  it('recovery path: getUser’s session_not_found was transient (replica lag) — confirmed alive by the refresh, no sign-out', async () => {
    const { auth, net, user } = await signedIn();
    const seen = events(auth);
    net.state.fakeUserSessionNotFound = 1;
    const { data, error } = await auth.getUser();
    expect(error).toBeNull();
    expect(data.user?.id).toBe(user.id);
    expect(net.state.refreshes).toBe(1);
    expect(seen).toEqual(['INITIAL_SESSION', 'TOKEN_REFRESHED']);
    expect((await auth.getUser()).data.user?.id).toBe(user.id);
  });

  it('signOut global ends the user’s other sessions; the other client learns it at its next check', async () => {
    const address = email();
    const net = network();
    const a = client(net);
    await a.signUp({ email: address, password: PASSWORD });
    const b = client(net);
    await b.signInWithPassword({ email: address, password: PASSWORD });
    const seenB = events(b);
    expect(await a.signOut({ scope: 'global' })).toEqual({ error: null });
    expect((await a.getSession()).data.session).toBeNull();
    expect((await b.getUser()).error?.code).toBe('session_not_found');
    expect(seenB).toEqual(['INITIAL_SESSION', 'SIGNED_OUT']);
  });
});

describe('sessions the user can see and end (issue #8)', () => {
  it('lists this device and the others, ends one, then all the others', async () => {
    const { auth } = await signedIn();
    const { data: me } = await auth.getUser();
    const others = [client(network()), client(network())];
    const address = me.user!.email as string;
    for (const other of others) expect((await other.signInWithPassword({ email: address, password: PASSWORD })).error).toBeNull();

    const listed = await auth.listSessions();
    expect(listed.error).toBeNull();
    expect(listed.data.sessions).toHaveLength(3);
    expect(listed.data.sessions!.filter((s) => s.current)).toHaveLength(1);

    const firstOther = listed.data.sessions!.find((s) => !s.current)!;
    expect((await auth.endSession(firstOther.id)).error).toBeNull();
    expect((await auth.listSessions()).data.sessions).toHaveLength(2);

    const ended = await auth.endOtherSessions();
    expect(ended.data.ended).toBe(1);
    expect((await auth.listSessions()).data.sessions).toHaveLength(1);
    // The ended devices learn it at their next check and sign out.
    for (const other of others) {
      await other.getUser();
      expect((await other.getSession()).data.session).toBeNull();
    }
  });

  it('without a session: session_missing, no request', async () => {
    const net = network();
    const auth = client(net);
    expect((await auth.listSessions()).error?.code).toBe('session_missing');
  });
});
