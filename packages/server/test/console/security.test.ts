/**
 * The console's security rules over HTTP (issue #18): its cookie, its CSRF checks, its headers.
 * The browser-side rules (document.cookie, CSP in force) are in test/browser/console.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { CONSOLE_CSP } from '../../src/console/headers.js';
import { call, databaseCases, signUp } from '../helpers.js';
import { consoleCall, consoleSignIn, sameOrigin } from './support.js';

describe.each(databaseCases(testDatabases()))('console security (%s)', (_name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(() => server?.close());

  const signInWith = (body: unknown, headers: Record<string, string>) =>
    fetch(`${server.url}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01', ...headers },
      body: JSON.stringify(body),
    });

  it('the cookie is HttpOnly, SameSite=Strict, Path=/, short-lived; not Secure over plain http', async () => {
    const session = await consoleSignIn(server);
    expect(session.setCookie).toMatch(/^latchkey_console=[A-Za-z0-9_-]{43}; /);
    expect(session.setCookie).toContain('HttpOnly');
    expect(session.setCookie).toContain('SameSite=Strict');
    expect(session.setCookie).toContain('Path=/');
    expect(session.setCookie).toContain('Max-Age=3600');
    expect(session.setCookie).not.toContain('Secure');
    // The CSRF token is not the cookie's value.
    expect(session.csrf).not.toBe(session.cookie.split('=')[1]);
  });

  it('a wrong secret key is refused and audited; the right one never appears in the trail', async () => {
    const wrong = await signInWith({ secret_key: 'lk_secret_guess' }, sameOrigin(server));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('invalid_secret_key');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    await consoleSignIn(server);
    const entries = (await call(server.authUrl, 'GET', '/admin/audit?limit=1000', { token: server.secretKey })).body.entries;
    const types = entries.map((e: { type: string }) => e.type);
    expect(types).toContain('console_sign_in_failed');
    expect(types).toContain('console_signed_in');
    expect(JSON.stringify(entries)).not.toContain(server.secretKey);
  });

  it('a cross-site sign-in (another Origin, or none, or Sec-Fetch-Site cross-site) is refused', async () => {
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site' },
      {},
      { origin: server.url, 'sec-fetch-site': 'cross-site' },
    ]) {
      const res = await signInWith({ secret_key: server.secretKey }, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('admin routes refuse without the cookie (and without a bearer token)', async () => {
    const res = await fetch(`${server.url}/admin/users`, { headers: sameOrigin(server) });
    expect(res.status).toBe(401);
    const bogus = await consoleCall(server, 'GET', '/admin/users', { cookie: 'latchkey_console=forged', setCookie: '', csrf: 'x' });
    expect(bogus.status).toBe(403);
  });

  it('the cookie authorizes admin calls only with its CSRF token and from the same origin', async () => {
    const session = await consoleSignIn(server);
    expect((await consoleCall(server, 'GET', '/admin/users', session)).status).toBe(200);
    expect((await consoleCall(server, 'GET', '/admin/users', session, { csrf: null })).status).toBe(403);
    expect((await consoleCall(server, 'GET', '/admin/users', session, { csrf: 'A'.repeat(43) })).status).toBe(403);
    // Another session's token does not fit this cookie.
    const other = await consoleSignIn(server);
    expect((await consoleCall(server, 'GET', '/admin/users', session, { csrf: other.csrf })).status).toBe(403);
    const user = await signUp(server);
    const ban = { ban_duration: '24h' };
    // A cross-site POST: wrong Origin, or a same-site neighbour (another port on the host), or no Origin at all.
    for (const headers of [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'http://localhost:1', 'sec-fetch-site': 'same-site' },
      { origin: '', 'sec-fetch-site': '' },
    ]) {
      const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
      const res = await fetch(`${server.url}/admin/users/${user.user.id}`, {
        method: 'PUT',
        headers: { cookie: session.cookie, 'x-latchkey-csrf': session.csrf, 'content-type': 'application/json', ...sent },
        body: JSON.stringify(ban),
      });
      expect(res.status).toBe(403);
    }
    const banned = await consoleCall(server, 'PUT', `/admin/users/${user.user.id}`, session, { body: ban });
    expect(banned.status).toBe(200);
    // Every console action is an admin action in the audit trail.
    const entries = (await call(server.authUrl, 'GET', `/admin/audit?user_id=${user.user.id}`, { token: server.secretKey })).body.entries;
    expect(entries[0]).toMatchObject({ type: 'user_banned', actor: 'admin', data: { via: 'console' } });
    // The same call with the secret key is an admin action too, not marked as the console's.
    await call(server.authUrl, 'PUT', `/admin/users/${user.user.id}`, { token: server.secretKey, body: { ban_duration: 'none' } });
    const scripted = (await call(server.authUrl, 'GET', `/admin/audit?user_id=${user.user.id}`, { token: server.secretKey })).body
      .entries[0];
    expect(scripted).toMatchObject({ type: 'user_updated', actor: 'admin' });
    expect(scripted.data.via).toBeUndefined();
  });

  it('sign-out ends the session for good; an hour later a session has expired', async () => {
    const session = await consoleSignIn(server);
    expect((await consoleCall(server, 'GET', '/console/session', session)).status).toBe(200);
    const out = await consoleCall(server, 'DELETE', '/console/session', session);
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^latchkey_console=; .*Max-Age=0/);
    expect((await consoleCall(server, 'GET', '/admin/users', session)).status).toBe(401);

    const later = await consoleSignIn(server);
    server.clock.advance(3600_000);
    expect((await consoleCall(server, 'GET', '/admin/users', later)).status).toBe(401);
    expect((await consoleCall(server, 'GET', '/console/session', later)).status).toBe(401);
  });

  it('the secret key keeps working as a bearer token', async () => {
    expect((await call(server.authUrl, 'GET', '/admin/users', { token: server.secretKey })).status).toBe(200);
  });

  it('every console response carries the CSP and no CORS grant', async () => {
    const session = await consoleSignIn(server);
    const responses = [
      await fetch(`${server.url}/console`),
      await fetch(`${server.url}/console/style.css`),
      await fetch(`${server.url}/console/js/main.js`),
      await fetch(`${server.url}/console/nothing-here`),
      await fetch(`${server.url}/console/session`),
      await fetch(`${server.url}/console/session`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } }),
      await signInWith({ secret_key: 'wrong' }, sameOrigin(server)),
      (await consoleCall(server, 'GET', '/console/session', session)) as unknown as Response,
    ];
    for (const res of responses) {
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    const page = await fetch(`${server.url}/console`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toContain(server.secretKey);
  });
});

describe('LATCHKEY_CONSOLE_ENABLED=false', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { consoleEnabled: false } });
  });
  afterAll(() => server?.close());

  it('serves no console and accepts no console sign-in', async () => {
    expect((await fetch(`${server.url}/console`)).status).toBe(404);
    const res = await fetch(`${server.url}/console/session`, {
      method: 'POST',
      headers: { ...sameOrigin(server), 'content-type': 'application/json' },
      body: JSON.stringify({ secret_key: server.secretKey }),
    });
    expect(res.status).toBe(404);
  });
});

describe('over https', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { issuer: 'https://auth.example.com/auth/v1' } });
  });
  afterAll(() => server?.close());

  it('the cookie is Secure and __Host- prefixed', async () => {
    const session = await consoleSignIn(server);
    expect(session.setCookie).toMatch(/^__Host-latchkey_console=/);
    expect(session.setCookie).toContain('; Secure');
    expect((await consoleCall(server, 'GET', '/admin/users', session)).status).toBe(200);
  });
});

describe('console sign-in rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: true } });
  });
  afterAll(() => server?.close());

  it('allows 10 sign-ins per 5 minutes per IP, right or wrong, then answers 429 even to the right key', async () => {
    const attempt = (secret_key: string) =>
      fetch(`${server.url}/console/session`, {
        method: 'POST',
        headers: { ...sameOrigin(server), 'content-type': 'application/json' },
        body: JSON.stringify({ secret_key }),
      });
    for (let i = 0; i < 9; i++) expect((await attempt('lk_secret_guess')).status).toBe(401);
    expect((await attempt(server.secretKey)).status).toBe(200);
    expect((await attempt(server.secretKey)).status).toBe(429);
    server.clock.advance(30_000); // one token back (10 per 300 s)
    expect((await attempt(server.secretKey)).status).toBe(200);
  });
});
