/** PUT /user against hostile input (issue #12): deep metadata, lone surrogates, the password policy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, nestedJson, signUp, uniqueEmail } from '../helpers.js';

describe.each(databaseCases(testDatabases()))('PUT /user on %s', (_name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, config: { passwordMinLength: 16 } });
  });
  afterAll(() => server?.close());

  const PASSWORD = 'a sixteen character password';
  const put = (token: string, options: { body?: unknown; rawBody?: string }) => call(server.authUrl, 'PUT', '/user', { ...options, token });

  it('data nested past 32 levels is validation_failed, not a stack overflow', async () => {
    const { access_token } = await signUp(server, uniqueEmail(), PASSWORD);
    for (const levels of [33, 10_000]) {
      const reply = await put(access_token, { rawBody: `{"data":${nestedJson(levels)}}` });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('validation_failed');
    }
    expect((await put(access_token, { rawBody: `{"data":${nestedJson(32)}}` })).status).toBe(200);
  });

  it('a lone surrogate in data is validation_failed, not a 500 from the database', async () => {
    const { access_token } = await signUp(server, uniqueEmail(), PASSWORD);
    const reply = await put(access_token, { body: { data: { bio: 'x\udbff' } } });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('validation_failed');
  });

  it('a new password meets LATCHKEY_PASSWORD_MIN_LENGTH (weak_password with reasons), and holds no lone surrogate', async () => {
    const { access_token } = await signUp(server, uniqueEmail(), PASSWORD);
    const weak = await put(access_token, { body: { password: 'fifteen chars!!' } });
    expect(weak.status).toBe(422);
    expect(weak.body).toEqual({
      code: 'weak_password',
      message: 'Password should be at least 16 characters.',
      weak_password: { reasons: ['length'] },
    });
    expect((await put(access_token, { body: { password: `${PASSWORD}\ud800` } })).status).toBe(400);
    expect((await put(access_token, { body: { password: `${PASSWORD}!` } })).status).toBe(200);
  });

  it('the current address in another spelling (decomposed, upper case) is not a change of address', async () => {
    const email = uniqueEmail('ren\u00e9');
    const { access_token } = await signUp(server, email, PASSWORD);
    const reply = await put(access_token, { body: { email: email.normalize('NFD').toUpperCase(), data: { a: 1 } } });
    expect(reply.status).toBe(200);
    expect(reply.body.email).toBe(email);
    const other = await put(access_token, { body: { email: 'xx:;x@x.x' } });
    expect(other.status).toBe(400);
    expect(other.body.message).toBe('Unable to validate email address: invalid format');
  });
});
