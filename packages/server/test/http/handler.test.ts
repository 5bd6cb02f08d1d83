/**
 * Bad input never reaches logic: every malformed request is a coded 4xx in the caller's error
 * shape, never a 500 or a hang; and the headers every response must carry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call, signUp, uniqueEmail } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('bad input', () => {
  const cases: Array<[string, string, string, { body?: unknown; rawBody?: string }, number, string]> = [
    ['malformed JSON', 'POST', '/signup', { rawBody: '{"email": ' }, 400, 'bad_json'],
    ['a JSON array body', 'POST', '/signup', { body: [1, 2] }, 400, 'validation_failed'],
    ['missing password', 'POST', '/signup', { body: { email: 'x@example.com' } }, 400, 'validation_failed'],
    ['email of the wrong type', 'POST', '/signup', { body: { email: 42, password: 'password123' } }, 400, 'validation_failed'],
    ['an invalid email', 'POST', '/signup', { body: { email: 'not-an-email', password: 'password123' } }, 400, 'validation_failed'],
    [
      'data that is not an object',
      'POST',
      '/signup',
      { body: { email: 'x@example.com', password: 'password123', data: 'str' } },
      400,
      'validation_failed',
    ],
    ['an unknown grant type', 'POST', '/token?grant_type=magic', { body: {} }, 400, 'unsupported_grant_type'],
    ['no grant type', 'POST', '/token', { body: {} }, 400, 'unsupported_grant_type'],
    ['refresh without a token', 'POST', '/token?grant_type=refresh_token', { body: {} }, 400, 'validation_failed'],
    [
      'refresh_token of the wrong type',
      'POST',
      '/token?grant_type=refresh_token',
      { body: { refresh_token: { $ne: 1 } } },
      400,
      'validation_failed',
    ],
    [
      'password grant without password',
      'POST',
      '/token?grant_type=password',
      { body: { email: 'x@example.com' } },
      400,
      'validation_failed',
    ],
    ['a bad logout scope', 'POST', '/logout?scope=everything', {}, 400, 'validation_failed'],
    [
      'a NUL in the email',
      'POST',
      '/signup',
      { body: { email: 'a\u0000b@example.com', password: 'password123' } },
      400,
      'validation_failed',
    ],
    [
      'a NUL in the metadata',
      'POST',
      '/signup',
      { body: { email: 'nul@example.com', password: 'password123', data: { x: 'a\u0000' } } },
      400,
      'validation_failed',
    ],
    [
      'a NUL in a sign-in email',
      'POST',
      '/token?grant_type=password',
      { body: { email: 'a\u0000b@example.com', password: 'x' } },
      400,
      'validation_failed',
    ],
    ['an unknown route', 'GET', '/nope', {}, 404, 'not_found'],
    ['a known route with the wrong method', 'DELETE', '/signup', {}, 405, 'method_not_allowed'],
  ];
  it.each(cases)('%s → %i %s', async (_label, method, path, options, status, code) => {
    const reply = await call(server.authUrl, method, path, options);
    expect(reply.status).toBe(status);
    expect(reply.body.code).toBe(code);
    expect(typeof reply.body.message).toBe('string');
  });

  it('a body over the limit is 413 request_entity_too_large', async () => {
    const big = { email: 'x@example.com', password: 'password123', data: { blob: 'x'.repeat(100_000) } };
    const reply = await call(server.authUrl, 'POST', '/signup', { body: big });
    expect(reply.status).toBe(413);
    expect(reply.body.code).toBe('request_entity_too_large');
  });

  it('a streamed body over the limit (no Content-Length) is 413 too', async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(8192)));
        controller.close();
      },
    });
    const res = await fetch(`${server.authUrl}/signup`, {
      method: 'POST',
      body: chunks,
      duplex: 'half',
      headers: { 'content-type': 'application/json' },
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('an admin route with a malformed user id is 404 user_not_found, not a database error', async () => {
    const reply = await call(server.authUrl, 'GET', '/admin/users/not-a-uuid', { token: server.secretKey });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('user_not_found');
  });

  it('a 36-character id that is not a UUID is 404, not a database error', async () => {
    const session = await signUp(server);
    const id = 'x'.repeat(8) + '-' + 'y'.repeat(27);
    expect((await call(server.authUrl, 'DELETE', `/admin/sessions/${id}`, { token: server.secretKey })).status).toBe(404);
    expect((await call(server.authUrl, 'DELETE', `/user/sessions/${id}`, { token: session.access_token })).status).toBe(404);
  });

  it('a ban beyond 100 years is validation_failed, not an overflow', async () => {
    const { user } = await signUp(server);
    const reply = await call(server.authUrl, 'PUT', `/admin/users/${user.id}`, {
      token: server.secretKey,
      body: { ban_duration: '99999999999h' },
    });
    expect(reply.status).toBe(400);
  });

  it('an unparsable absolute-form request target is a 400', async () => {
    const { connect } = await import('node:net');
    const port = new URL(server.url).port;
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end('GET http://[/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (c) => (data += c.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(response).toMatch(/^HTTP\/1.1 400/);
  });

  it('a bad ban_duration is validation_failed', async () => {
    const { user } = await signUp(server);
    const reply = await call(server.authUrl, 'PUT', `/admin/users/${user.id}`, {
      token: server.secretKey,
      body: { ban_duration: 'forever' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('validation_failed');
  });
});

describe('error body shapes', () => {
  it('with X-Supabase-Api-Version ≥ 2024-01-01: { code, message } and the header echoed', async () => {
    const reply = await call(server.authUrl, 'POST', '/token?grant_type=password', {
      body: { email: uniqueEmail(), password: 'whatever123' },
    });
    expect(reply.body).toEqual({ code: 'invalid_credentials', message: expect.any(String) });
    expect(reply.headers.get('x-supabase-api-version')).toBe('2024-01-01');
  });

  it('without it: the legacy { code: <status>, error_code, msg }', async () => {
    const res = await fetch(`${server.authUrl}/token?grant_type=password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: uniqueEmail(), password: 'whatever123' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 400, error_code: 'invalid_credentials', msg: expect.any(String) });
    expect(res.headers.get('x-supabase-api-version')).toBeNull();
  });

  it('weak_password carries its reasons in both shapes', async () => {
    const modern = await call(server.authUrl, 'POST', '/signup', { body: { email: uniqueEmail(), password: 'short' } });
    expect(modern.status).toBe(422);
    expect(modern.body.weak_password.reasons).toEqual(['length']);
    const legacy = await fetch(`${server.authUrl}/signup`, {
      method: 'POST',
      body: JSON.stringify({ email: uniqueEmail(), password: 'short' }),
    });
    expect((await legacy.json()).weak_password.reasons).toEqual(['length']);
  });
});

describe('headers', () => {
  it('credential-bearing responses are Cache-Control: no-store', async () => {
    const session = await signUp(server);
    const res = await fetch(`${server.authUrl}/token?grant_type=refresh_token`, {
      method: 'POST',
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const user = await call(server.authUrl, 'GET', '/user', { token: session.access_token });
    expect(user.headers.get('cache-control')).toBe('no-store');
  });

  it('routes are served at / and under /auth/v1', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/auth/v1/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/.well-known/jwks.json`)).status).toBe(200);
  });

  it('answers CORS preflights for browser apps', async () => {
    const res = await fetch(`${server.authUrl}/token?grant_type=password`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, apikey, x-supabase-api-version',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('apikey');
  });
});

describe('LATCHKEY_REQUIRE_API_KEY', () => {
  it('requires a matching publishable or secret key; without the setting any apikey is served', async () => {
    const strict = await startTestServer({ config: { requireApiKey: true } });
    try {
      const settings = (headers: Record<string, string>) => call(strict.authUrl, 'GET', '/settings', { headers });
      expect((await settings({})).status).toBe(401);
      expect((await settings({})).body.code).toBe('invalid_api_key');
      expect((await settings({ apikey: 'lk_publishable_wrong' })).status).toBe(401);
      expect((await settings({ apikey: strict.publishableKey })).status).toBe(200);
      expect((await settings({ apikey: strict.secretKey })).status).toBe(200);
      // Health and the JWKS stay open for load balancers and verifiers.
      expect((await fetch(`${strict.authUrl}/health`)).status).toBe(200);
    } finally {
      await strict.close();
    }
    expect((await call(server.authUrl, 'GET', '/settings', { headers: { apikey: 'anything' } })).status).toBe(200);
  });

  it('does not block the provider routes a browser navigates to (/authorize, /callback), which carry no apikey', async () => {
    const provider = {
      name: 'idp',
      kind: 'oidc' as const,
      clientId: 'c',
      audiences: ['c'],
      secret: undefined,
      redirectUri: undefined,
      // Nothing listens there: /authorize answers its own redirect, provider_unavailable.
      issuer: 'http://127.0.0.1:9',
      scopes: ['openid'],
    };
    const strict = await startTestServer({
      config: { requireApiKey: true, externalProviders: { idp: provider }, securityManualLinkingEnabled: true },
    });
    try {
      const site = strict.app.redirects.resolve(undefined);
      const authorize = await fetch(`${strict.authUrl}/authorize?provider=idp`, { redirect: 'manual' });
      expect(authorize.status).toBe(302);
      expect(new URL(authorize.headers.get('location')!).searchParams.get('error_code')).toBe('provider_unavailable');
      const callback = await fetch(`${strict.authUrl}/callback?state=forged&code=x`, { redirect: 'manual' });
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')!.startsWith(site)).toBe(true);
      expect(new URL(callback.headers.get('location')!).searchParams.get('error_code')).toBe('bad_oauth_state');
      // The API calls around them still need the key: linking is fetched by supabase-js, with it.
      const link = await call(strict.authUrl, 'GET', '/user/identities/authorize?provider=idp');
      expect(link.body.code).toBe('invalid_api_key');
      expect((await call(strict.authUrl, 'GET', '/settings')).body.code).toBe('invalid_api_key');
    } finally {
      await strict.close();
    }
  });
});
