/** GET /admin/users?q=&cursor=: the console's search and keyset pages (store/user-search.ts). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases } from '../helpers.js';

describe.each(databaseCases(testDatabases()))('admin user search on %s', (_name, database) => {
  let server: TestServer;
  const prefix = `search${Date.now().toString(36)}`;
  const ids: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ database });
    for (let i = 0; i < 7; i++) {
      server.clock.advance(1000);
      const reply = await call(server.authUrl, 'POST', '/admin/users', {
        token: server.secretKey,
        body: { email: `${prefix}-${'gfedcba'[i]}@example.com` },
      });
      ids.push(reply.body.id);
    }
  });
  afterAll(() => server?.close());

  const list = async (query: string) => {
    const reply = await call(server.authUrl, 'GET', `/admin/users?${query}`, { token: server.secretKey });
    expect(reply.status).toBe(200);
    return reply.body as { users: { id: string; email: string }[]; next_cursor: string | null };
  };

  async function all(query: string): Promise<string[]> {
    const emails: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(`${query}&per_page=3&cursor=${encodeURIComponent(cursor)}`);
      emails.push(...page.users.map((u) => u.email));
      if (!page.next_cursor) return emails;
      cursor = page.next_cursor;
    }
    throw new Error('too many pages');
  }

  it('pages through an email prefix by keyset, newest first, with no overlap', async () => {
    const emails = await all(`q=${prefix.toUpperCase()}`);
    expect(emails).toEqual([...'abcdefg'].map((c) => `${prefix}-${c}@example.com`));
  });

  it('sorts by email either way', async () => {
    expect(await all(`q=${prefix}&sort=email%20asc`)).toEqual([...'abcdefg'].map((c) => `${prefix}-${c}@example.com`));
    expect(await all(`q=${prefix}&sort=email%20desc`)).toEqual([...'gfedcba'].map((c) => `${prefix}-${c}@example.com`));
    expect(await all(`q=${prefix}&sort=created_at%20asc`)).toEqual([...'gfedcba'].map((c) => `${prefix}-${c}@example.com`));
  });

  it('finds a user by id; a LIKE wildcard matches itself only', async () => {
    expect((await list(`q=${ids[3]}`)).users.map((u) => u.id)).toEqual([ids[3]]);
    expect((await list(`q=${prefix.slice(0, 3)}%25`)).users).toEqual([]);
  });

  it('a garbled cursor is a 400', async () => {
    for (const cursor of ['nope', Buffer.from('["x","y"]').toString('base64url'), Buffer.from('[1,2]').toString('base64url')]) {
      const reply = await call(server.authUrl, 'GET', `/admin/users?cursor=${cursor}`, { token: server.secretKey });
      expect(reply.status).toBe(400);
    }
  });
});
