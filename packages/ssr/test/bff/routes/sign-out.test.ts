/** POST sign-out against a real Latchkey server (in-process, Postgres): revoked there, deleted here, cookie cleared. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/lib/hash.js';
import { startAuthServer, whoAmI, type TestServer } from '../../support/auth-server.js';
import { appRequest, handler, signedIn as signedInThrough } from '../../support/bff.js';

let server: TestServer;

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

const signedIn = (options: Parameters<typeof handler>[1] = {}) => signedInThrough(server, options);

describe('sign-out', () => {
  it('revokes the session at the auth server, deletes the record and clears the cookie', async () => {
    const { bff, browser, store } = await signedIn();
    const token = (await bff.getAccessToken(appRequest(browser, '/api'))).data.accessToken!;
    const id = browser.cookies.get('__Host-latchkey-session')!.value;
    const response = await bff.signOut(appRequest(browser, '/auth/sign-out', { method: 'POST' }));
    expect(response.status).toBe(204);
    expect(await whoAmI(server.authUrl, token)).toMatchObject({ status: 403, code: 'session_not_found' });
    expect(await store.get(await sha256(id))).toBeNull();
    browser.receive(response);
    expect(browser.names()).toEqual([]);
    expect((await bff.getAccessToken(appRequest(browser, '/api'))).error?.code).toBe('session_missing');
  });

  it('with an expired access token, refreshes first so the auth server can be told', async () => {
    const { bff, browser, net } = await signedIn();
    server.clock.advance(61_000);
    const response = await bff.signOut(appRequest(browser, '/auth/sign-out', { method: 'POST' }));
    expect(response.status).toBe(204);
    expect(net.state.refreshes).toBe(1);
    expect(net.state.requests.filter((r) => r.startsWith('POST /auth/v1/logout'))).toHaveLength(1);
  });

  it('when the auth server cannot be told, still deletes the record and clears the cookie, and says so', async () => {
    const { bff, browser, net, store } = await signedIn();
    const id = browser.cookies.get('__Host-latchkey-session')!.value;
    net.state.down = 'network';
    net.state.downFor = 'all';
    const response = await bff.signOut(appRequest(browser, '/auth/sign-out', { method: 'POST' }));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'auth_unavailable' });
    expect(response.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect(await store.get(await sha256(id))).toBeNull();
  });
});
