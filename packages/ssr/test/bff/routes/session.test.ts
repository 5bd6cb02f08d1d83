/** GET session against a real Latchkey server (in-process, Postgres): the user, or 401 with the cookie cleared; a 503 keeps it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startAuthServer, type TestServer } from '../../support/auth-server.js';
import { appRequest, handler, signInThrough } from '../../support/bff.js';
import { Browser } from '../../support/browser.js';

let server: TestServer;

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

describe('session route', () => {
  it('answers the user and the access token’s expiry, never cached, never a token', async () => {
    const { email, user } = await signUp(server.authUrl);
    const { bff } = handler(server);
    const { browser } = await signInThrough(bff, email);
    const response = await bff.session(appRequest(browser, '/auth/session'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { user: { id: string }; expires_at: number };
    expect(body.user.id).toBe(user.id);
    expect(body.expires_at).toBeGreaterThan(server.clock() / 1000);
    expect(JSON.stringify(body)).not.toMatch(/access_token|refresh_token/);
  });

  it('without a live session: 401 and the cookie cleared', async () => {
    const { bff } = handler(server);
    const stale = new Browser().receive([`__Host-latchkey-session=${'a'.repeat(43)}; Path=/`]);
    const response = await bff.session(appRequest(stale, '/auth/session'));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'session_missing' });
    stale.receive(response);
    expect(stale.names()).toEqual([]);
  });

  it('when the auth server is down: 503, and the cookie is kept', async () => {
    const { email } = await signUp(server.authUrl);
    const { bff, net } = handler(server);
    const { browser } = await signInThrough(bff, email);
    server.clock.advance(61_000);
    net.state.down = 'network';
    const response = await bff.session(appRequest(browser, '/auth/session'));
    expect(response.status).toBe(503);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});
