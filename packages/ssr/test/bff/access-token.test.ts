/**
 * getAccessToken (and the session route over it) against a real Latchkey server (in-process,
 * Postgres), one process: the token as it is while fresh, one refresh for concurrent requests
 * after expiry, definitive and transient refusals, store failures. Several processes:
 * test/integration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenHandler, isSsrError, memoryLock, type SessionStore } from '../../src/bff/index.js';
import { sha256 } from '../../src/lib/hash.js';
import { logout, startAuthServer, whoAmI, type TestServer } from '../support/auth-server.js';
import { appRequest, handler, signedIn as signedInThrough } from '../support/bff.js';

let server: TestServer;

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

const signedIn = (options: Parameters<typeof handler>[1] = {}) => signedInThrough(server, options);

describe('getAccessToken', () => {
  it('gives a token the auth server accepts, without refreshing while it is fresh', async () => {
    const { bff, browser, net } = await signedIn();
    const { data, error } = await bff.getAccessToken(appRequest(browser, '/api/notes'));
    expect(error).toBeNull();
    expect(await whoAmI(server.authUrl, data!.accessToken!)).toMatchObject({ status: 200, id: data!.user!.id });
    expect(net.state.refreshes).toBe(0);
    const session = await bff.session(appRequest(browser, '/auth/session'));
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: { id: data!.user!.id }, aal: 'aal1', amr: [{ method: 'password' }] });
    expect(data).toMatchObject({ aal: 'aal1', amr: [{ method: 'password' }] });
  });

  it('50 concurrent requests after expiry share one refresh (in-process single-flight) and all get the new token', async () => {
    const { bff, browser, net } = await signedIn();
    const before = (await bff.getAccessToken(appRequest(browser, '/api'))).data.accessToken;
    server.clock.advance(61_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => bff.getAccessToken(appRequest(browser, '/api'))));
    expect(net.state.refreshes).toBe(1);
    const tokens = new Set(results.map((r) => r.data.accessToken));
    expect(tokens.size).toBe(1);
    expect(tokens.has(before)).toBe(false);
    expect(await whoAmI(server.authUrl, [...tokens][0]!)).toMatchObject({ status: 200 });
  });

  it('without a cookie, or with one not of our making, answers session_missing without asking the store', async () => {
    const { bff, store } = handler(server);
    const calls = store.keys.length;
    for (const cookie of ['', '__Host-latchkey-session=short', `__Host-latchkey-session=${'x'.repeat(42)};`]) {
      const result = await bff.getAccessToken(new Request('https://app.example/api', { headers: { cookie } }));
      expect(result.error?.code).toBe('session_missing');
      expect(result.error?.status).toBe(401);
    }
    expect(store.keys.length).toBe(calls);
    const response = await bff.session(new Request('https://app.example/auth/session'));
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
  });

  it('a definitive answer ends the session: the record is deleted and the cookie cleared', async () => {
    const { bff, browser, store } = await signedIn();
    const token = (await bff.getAccessToken(appRequest(browser, '/api'))).data.accessToken!;
    expect(await logout(server.authUrl, token)).toBe(204); // revoked by an admin or another device
    server.clock.advance(61_000);
    const { error } = await bff.getAccessToken(appRequest(browser, '/api'));
    expect(error?.code).toBe('session_ended');
    expect(isSsrError(error)).toBe(true);
    const id = browser.cookies.get('__Host-latchkey-session')!.value;
    expect(await store.get(await sha256(id))).toBeNull();
    const response = await bff.session(appRequest(browser, '/auth/session'));
    expect(response.status).toBe(401);
    browser.receive(response);
    expect(browser.names()).toEqual([]);
  });

  it('a transient failure keeps the session: 503 now, a working token once the auth server is back', async () => {
    const { bff, browser, net } = await signedIn();
    server.clock.advance(61_000);
    net.state.down = '503';
    const failed = await bff.getAccessToken(appRequest(browser, '/api'));
    expect(failed.error?.code).toBe('auth_unavailable');
    expect(failed.error?.status).toBe(503);
    net.state.down = undefined;
    const { data, error } = await bff.getAccessToken(appRequest(browser, '/api'));
    expect(error).toBeNull();
    expect(await whoAmI(server.authUrl, data.accessToken!)).toMatchObject({ status: 200 });
  });

  it('a store that fails answers store_failed (503), never a 500', async () => {
    const broken: SessionStore = {
      get: () => Promise.reject(new Error('down')),
      create: () => Promise.reject(new Error('down')),
      update: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    };
    const bff = createTokenHandler({ authUrl: server.authUrl, store: broken, lock: memoryLock() });
    const result = await bff.getAccessToken(
      new Request('https://app.example/', { headers: { cookie: `__Host-latchkey-session=${'a'.repeat(43)}` } }),
    );
    expect(result.error?.code).toBe('store_failed');
  });
});
