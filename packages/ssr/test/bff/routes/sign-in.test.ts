/**
 * POST sign-in against a real Latchkey server (in-process, Postgres): the opaque cookie, what
 * reaches the store, the auth server's refusals, bad bodies, a second sign-in. CSRF on sign-in is
 * in ../csrf.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenHandler, memoryLock, type SessionStore } from '../../../src/bff/index.js';
import { sha256 } from '../../../src/lib/hash.js';
import { signUp, startAuthServer, whoAmI, type TestServer } from '../../support/auth-server.js';
import { appRequest, handler, signInThrough, signedIn as signedInThrough } from '../../support/bff.js';
import { Browser } from '../../support/browser.js';
import { PASSWORD } from '../../support/services.js';

let server: TestServer;

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

const signedIn = (options: Parameters<typeof handler>[1] = {}) => signedInThrough(server, options);

describe('sign-in', () => {
  it('gives the browser an opaque, HttpOnly, Secure, SameSite=Lax, __Host- cookie and no token', async () => {
    const { response, browser } = await signedIn();
    const lines = response.headers.getSetCookie();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^__Host-latchkey-session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; Secure; SameSite=Lax$/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'user']);
    expect(JSON.stringify(body)).not.toMatch(/access_token|refresh_token/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(browser.names()).toEqual(['__Host-latchkey-session']);
  });

  it('stores the session under the SHA-256 of the cookie only: the id itself never reaches the store', async () => {
    const { browser, store } = await signedIn();
    const id = browser.cookies.get('__Host-latchkey-session')!.value;
    expect(store.keys).toEqual([await sha256(id)]);
    expect(store.values.join('\n')).not.toContain(id);
  });

  it('answers wrong credentials with the auth server’s code and sets no cookie', async () => {
    const { email } = await signUp(server.authUrl);
    const { bff } = handler(server);
    const response = await bff.signIn(
      appRequest(new Browser(), '/auth/sign-in', { method: 'POST', body: { email, password: 'wrong password!' } }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_credentials' });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a body that is not JSON credentials', async () => {
    const { bff } = handler(server);
    for (const request of [
      appRequest(new Browser(), '/auth/sign-in', { method: 'POST', body: { email: 'a@b.c' } }),
      new Request(`https://app.example/auth/sign-in`, {
        method: 'POST',
        headers: { origin: 'https://app.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=a&password=b',
      }),
    ]) {
      const response = await bff.signIn(request);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'bad_request' });
    }
  });

  it('a new sign-in issues a new id and ends the browser’s previous session', async () => {
    const { bff, browser, email } = await signedIn();
    const old = (await bff.getAccessToken(appRequest(browser, '/api')))!.data.accessToken!;
    const oldId = browser.cookies.get('__Host-latchkey-session')!.value;
    await signInThrough(bff, email, browser);
    expect(browser.cookies.get('__Host-latchkey-session')!.value).not.toBe(oldId);
    expect(await whoAmI(server.authUrl, old)).toMatchObject({ status: 403, code: 'session_not_found' });
    expect((await bff.getAccessToken(appRequest(browser, '/api'))).error).toBeNull();
  });

  it('a store that fails answers store_failed (503), and the session it could not keep is revoked', async () => {
    const { email } = await signUp(server.authUrl);
    const revoked: string[] = [];
    const broken: SessionStore = {
      get: () => Promise.reject(new Error('down')),
      create: () => Promise.reject(new Error('down')),
      update: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    };
    const spy = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes('/logout')) revoked.push(String(input));
      return fetch(input, init);
    }) as typeof fetch;
    const bff = createTokenHandler({ authUrl: server.authUrl, store: broken, lock: memoryLock(), fetch: spy });
    const response = await bff.signIn(appRequest(new Browser(), '/auth/sign-in', { method: 'POST', body: { email, password: PASSWORD } }));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'store_failed' });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(revoked).toHaveLength(1);
  });
});
