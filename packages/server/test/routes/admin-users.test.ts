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

  describe('GET /admin/users', () => {
    it('lists newest first by default, so a user just created is on the first page', async () => {
      for (let i = 0; i < 3; i++) await create();
      server.clock.advance(1_000);
      const newest = await create();
      const reply = await admin('GET', '/admin/users?per_page=2');
      expect(reply.status).toBe(200);
      expect(reply.body.users[0].id).toBe(newest.id);
      const times = reply.body.users.map((u: { created_at: string }) => u.created_at);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it.each([
      ['sort=created_at%20asc', 'asc'],
      ['sort=created_at+ASC', 'asc'],
      ['sort=created_at%20desc', 'desc'],
      ['sort=created_at', 'desc'],
    ])('%s orders %s', async (query, direction) => {
      for (let i = 0; i < 2; i++) {
        server.clock.advance(1_000);
        await create();
      }
      const all = await admin('GET', `/admin/users?${query}&per_page=1000`);
      expect(all.status).toBe(200);
      const keys = all.body.users.map((u: { created_at: string; id: string }) => `${u.created_at} ${u.id}`);
      const sorted = [...keys].sort();
      expect(keys).toEqual(direction === 'asc' ? sorted : sorted.reverse());
    });

    it.each([
      ['sort=email', "Bad Sort Parameters: bad field for sort 'email'"],
      ['sort=created_at%3B%20drop%20table%20users', "Bad Sort Parameters: bad field for sort 'created_at;'"],
      ['sort=created_at%20sideways', "Bad Sort Parameters: bad direction for sort 'sideways', only 'asc' and 'desc' allowed"],
      [
        'sort=created_at%20desc%2C%20(select%201)',
        "Bad Sort Parameters: bad direction for sort 'desc, (select 1)', only 'asc' and 'desc' allowed",
      ],
      ['sort=', "Bad Sort Parameters: bad field for sort ''"],
    ])('%s is 400 validation_failed (GoTrue message), never SQL', async (query, message) => {
      const reply = await admin('GET', `/admin/users?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ code: 'validation_failed', message });
    });

    it('filter matches a substring of the email or the full name, literally, and the total counts the matches', async () => {
      const tag = uniqueEmail('').split('@')[0]!.slice(1);
      const byEmail = await create({ email: `ada_${tag}@example.com` });
      const byName = await create({ user_metadata: { full_name: `Grace ${tag.toUpperCase()} Hopper` } });
      await create({ email: `adaX${tag}@example.com` });
      const reply = await admin('GET', `/admin/users?filter=${encodeURIComponent(`_${tag}`)}&per_page=1`);
      expect(reply.status).toBe(200);
      // `_` is a literal underscore, not LIKE's any-character: adaX… does not match.
      expect(reply.headers.get('x-total-count')).toBe('1');
      expect(reply.body.users.map((u: { id: string }) => u.id)).toEqual([byEmail.id]);
      const both = await admin('GET', `/admin/users?filter=${tag}&per_page=1`);
      expect(both.headers.get('x-total-count')).toBe('3');
      expect(both.headers.get('link')).toContain(`filter=${tag}`);
      const name = await admin('GET', `/admin/users?filter=${encodeURIComponent(`grace ${tag}`)}`);
      expect(name.body.users.map((u: { id: string }) => u.id)).toEqual([byName.id]);
      expect((await admin('GET', '/admin/users?filter=%25')).headers.get('x-total-count')).toBe('0');
    });

    it('a NUL in the filter or a page past 2^53 is a 400; a huge page is an empty one, not a database error', async () => {
      expect((await admin('GET', '/admin/users?filter=a%00b')).status).toBe(400);
      expect((await admin('GET', '/admin/users?page=1e300')).status).toBe(400);
      const far = await admin('GET', `/admin/users?page=${Number.MAX_SAFE_INTEGER}&per_page=1000`);
      expect(far.status).toBe(200);
      expect(far.body.users).toEqual([]);
    });
  });
});
