/**
 * Forged access tokens are refused at /user: the verifier takes the algorithm from our key, never
 * from the token. And a refresh token is never an access token, nor the other way round.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp, type Tokens } from '../helpers.js';

let server: TestServer;
let session: Tokens;
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];
const header = (token: string) => JSON.parse(Buffer.from(parts(token)[0], 'base64url').toString());
const claims = (token: string) => JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString());

beforeAll(async () => {
  server = await startTestServer();
  session = await signUp(server);
});
afterAll(() => server?.close());

async function expectRefused(token: string) {
  const reply = await call(server.authUrl, 'GET', '/user', { token });
  expect(reply.status).toBe(403);
  expect(reply.body.code).toBe('bad_jwt');
}

describe('forged access tokens', () => {
  it('the genuine token is accepted (control)', async () => {
    expect((await call(server.authUrl, 'GET', '/user', { token: session.access_token })).status).toBe(200);
  });

  it('alg none', async () => {
    await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${parts(session.access_token)[1]}.`);
    await expectRefused(`${b64({ alg: 'none', kid: header(session.access_token).kid })}.${parts(session.access_token)[1]}.`);
  });

  it('HS256 keyed with our public key (algorithm confusion)', async () => {
    const jwks = await (await fetch(`${server.authUrl}/.well-known/jwks.json`)).json();
    const kid = header(session.access_token).kid;
    const h = b64({ alg: 'HS256', kid, typ: 'JWT' });
    const p = parts(session.access_token)[1];
    for (const secret of [JSON.stringify(jwks.keys[0]), jwks.keys[0].x]) {
      const mac = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
      await expectRefused(`${h}.${p}.${mac}`);
    }
  });

  it('a foreign ES256 key reusing our kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const h = b64({ alg: 'ES256', kid: header(session.access_token).kid, typ: 'JWT' });
    const p = b64({ ...claims(session.access_token), role: 'service_role' });
    const sig = sign('sha256', Buffer.from(`${h}.${p}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    await expectRefused(`${h}.${p}.${sig}`);
  });

  it('a tampered payload', async () => {
    const [h, , s] = parts(session.access_token);
    await expectRefused(`${h}.${b64({ ...claims(session.access_token), sub: '00000000-0000-0000-0000-000000000000' })}.${s}`);
  });

  it('an expired token', async () => {
    // A server of its own: moving time here must not expire the other tests' tokens.
    const own = await startTestServer();
    try {
      const fresh = await signUp(own);
      own.clock.advance((own.app.config.jwtExp + 1) * 1000);
      const reply = await call(own.authUrl, 'GET', '/user', { token: fresh.access_token });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('bad_jwt');
    } finally {
      await own.close();
    }
  });

  it('garbage in the Authorization header', async () => {
    for (const token of ['abc', 'a.b.c', '..', `${parts(session.access_token)[0]}.e30.`]) await expectRefused(token);
  });

  it('no Authorization header is 401 no_authorization', async () => {
    const reply = await call(server.authUrl, 'GET', '/user');
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe('no_authorization');
  });
});

describe('token kinds do not mix', () => {
  it('a refresh token is not an access token', async () => {
    const fresh = await signUp(server);
    await expectRefused(fresh.refresh_token);
  });

  it('an access token is not a refresh token', async () => {
    const fresh = await signUp(server);
    const reply = await refresh(server.authUrl, fresh.access_token);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('refresh_token_not_found');
  });
});
