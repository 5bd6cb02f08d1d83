/** The facade: routing by path and method, and refusing unusable options. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenHandler, memoryLock, memoryStore } from '../../src/bff/index.js';
import { startAuthServer, type TestServer } from '../support/auth-server.js';
import { handler } from '../support/bff.js';

let server: TestServer;

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

describe('routes and options', () => {
  it('handle() routes sign-in, sign-out, session, the email flows, provider sign-in and the second factor under basePath, 405 on a wrong method, null elsewhere', async () => {
    const { bff } = handler(server, { basePath: '/bff' });
    expect(bff.paths).toEqual([
      '/bff/sign-in',
      '/bff/sign-out',
      '/bff/session',
      '/bff/otp',
      '/bff/recover',
      '/bff/verify',
      '/bff/callback',
      '/bff/password',
      '/bff/authorize',
      '/bff/passkey/options',
      '/bff/passkey/sign-in',
      '/bff/passkey/register/options',
      '/bff/passkey/register',
      '/bff/passkeys',
      '/bff/passkey/delete',
      '/bff/mfa/enroll',
      '/bff/mfa/challenge',
      '/bff/mfa/verify',
      '/bff/mfa/factors',
      '/bff/mfa/unenroll',
    ]);
    expect((await bff.handle(new Request('https://app.example/bff/session')))?.status).toBe(401);
    const wrong = await bff.handle(new Request('https://app.example/bff/sign-in'));
    expect(wrong?.status).toBe(405);
    expect(wrong?.headers.get('allow')).toBe('POST');
    expect(await bff.handle(new Request('https://app.example/api/notes'))).toBeNull();
  });

  it('refuses unusable options with invalid_argument', () => {
    const base = { authUrl: server.authUrl, store: memoryStore(), lock: memoryLock() };
    for (const bad of [
      { ...base, authUrl: 'auth.example.com' },
      { ...base, store: {} },
      { ...base, lock: {} },
      { ...base, origins: ['https://app.example/path'] },
      { ...base, cookie: { sameSite: 'None' } },
      { ...base, cookie: { name: '__Host-x', domain: 'example.com' } },
      { ...base, cookie: { secure: false, name: '__Host-x' } },
      { ...base, sessionTtl: 401 * 24 * 3600 },
      { ...base, callbackUrl: '/auth/callback' },
      { ...base, redirects: { signedIn: '//evil.example' } },
      { ...base, redirects: { failed: 'login' } },
    ]) {
      expect(() => createTokenHandler(bad as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
    expect(() => createTokenHandler({ ...base, cookie: { secure: false } })).not.toThrow();
  });
});
