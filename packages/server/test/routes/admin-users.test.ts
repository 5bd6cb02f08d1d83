/**
 * The admin users API against hostile input (issue #12): metadata nested deeply or holding lone
 * surrogates, the password policy, and GoTrue's listing order, `sort` and `filter`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, nestedJson, uniqueEmail } from '../helpers.js';

describe.each(databaseCases(testDatabases()))('admin users on %s', (_name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, config: { passwordMinLength: 10, passwordRequiredCharacters: '0123456789' } });
  });
  afterAll(() => server?.close());

  const admin = (method: string, path: string, options: { body?: unknown; rawBody?: string } = {}) =>
    call(server.authUrl, method, path, { ...options, token: server.secretKey });
  const create = async (body: Record<string, unknown> = {}) => {
    const reply = await admin('POST', '/admin/users', { body: { email: uniqueEmail('admin'), ...body } });
    expect(reply.status).toBe(200);
    return reply.body as { id: string; email: string; created_at: string };
  };

  describe('metadata', () => {
    it.each(['user_metadata', 'app_metadata'])('%s nested past 32 levels is validation_failed on create and update', async (field) => {
      const created = await admin('POST', '/admin/users', { rawBody: `{"email":"${uniqueEmail()}","${field}":${nestedJson(5_000)}}` });
      expect(created.status).toBe(400);
      expect(created.body.code).toBe('validation_failed');
      const { id } = await create();
      const updated = await admin('PUT', `/admin/users/${id}`, { rawBody: `{"${field}":${nestedJson(33)}}` });
      expect(updated.status).toBe(400);
      expect(updated.body).toEqual({ code: 'validation_failed', message: `${field}: must not be nested deeper than 32 levels` });
      expect((await admin('PUT', `/admin/users/${id}`, { rawBody: `{"${field}":${nestedJson(32)}}` })).status).toBe(200);
    });

    it.each(['user_metadata', 'app_metadata'])('%s with a lone surrogate is validation_failed, not a 500', async (field) => {
      expect((await admin('POST', '/admin/users', { body: { email: uniqueEmail(), [field]: { x: '\ud83d' } } })).status).toBe(400);
      const { id } = await create();
      const reply = await admin('PUT', `/admin/users/${id}`, { body: { [field]: { ['\ude00']: true } } });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('validation_failed');
    });
  });

  describe('the password policy applies to admins too', () => {
    it('create: weak_password with reasons', async () => {
      const reply = await admin('POST', '/admin/users', { body: { email: uniqueEmail(), password: 'abcdefghi' } });
      expect(reply.status).toBe(422);
      expect(reply.body.weak_password.reasons).toEqual(['length', 'characters']);
      expect((await admin('POST', '/admin/users', { body: { email: uniqueEmail(), password: 'abcdefghi1' } })).status).toBe(200);
    });

    it('update: weak_password with reasons; a lone surrogate is validation_failed', async () => {
      const { id } = await create();
      const weak = await admin('PUT', `/admin/users/${id}`, { body: { password: 'abcdefghij' } });
      expect(weak.status).toBe(422);
      expect(weak.body.weak_password.reasons).toEqual(['characters']);
      const surrogate = await admin('PUT', `/admin/users/${id}`, { body: { password: 'abcdefghij1\udfff' } });
      expect(surrogate.status).toBe(400);
    });
  });

  it('an email is canonical on update too: a full-width spelling of a taken address is email_exists', async () => {
    const taken = await create();
    const { id } = await create();
    const fullWidth = taken.email.replace('@', '＠').toUpperCase();
    const reply = await admin('PUT', `/admin/users/${id}`, { body: { email: fullWidth } });
    expect(reply.status).toBe(422);
    expect(reply.body.code).toBe('email_exists');
  });
});
