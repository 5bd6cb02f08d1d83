/**
 * The console's user list stays fast at any size: with 20,000 users (and fresh statistics) every
 * shape of its statement (newest first, by email, a search, a deep page) is an index scan, never
 * a scan of the whole table. Guards migration 7's indexes and the statement's match to them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { userSearchStatement, type UserSearch } from '../../src/store/user-search.js';
import { databaseCases } from '../helpers.js';

describe.each(databaseCases(testDatabases()))('user search plans on %s', (_name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
    await server.app.db.query(
      `INSERT INTO users (id, email, created_at, updated_at)
       SELECT gen_random_uuid(), 'user' || n || '@example.com', now() - n * interval '1 second', now() FROM generate_series(1, 20000) AS n`,
    );
    await server.app.db.query('ANALYZE users');
  }, 120_000);
  afterAll(() => server?.close());

  const plan = async (search: UserSearch) => {
    const { sql, params } = userSearchStatement(search);
    const rows = await server.app.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  const after = { value: '2020-01-01T00:00:00.000Z', id: '00000000-0000-4000-8000-000000000000' };

  it.each<[string, UserSearch]>([
    ['newest first', { sort: 'created_at', direction: 'desc', limit: 25 }],
    ['oldest first, a deep page', { sort: 'created_at', direction: 'asc', limit: 25, after }],
    ['by email', { sort: 'email', direction: 'asc', limit: 25 }],
    ['by email, a deep page', { sort: 'email', direction: 'desc', limit: 25, after: { value: 'user5@example.com', id: after.id } }],
    ['an email prefix', { q: 'user1234', sort: 'created_at', direction: 'desc', limit: 25 }],
    ['an id', { q: after.id, sort: 'created_at', direction: 'desc', limit: 25 }],
  ])('%s: an index scan', async (_label, search) => {
    const text = await plan(search);
    expect(text).not.toMatch(/Seq Scan on users/);
    expect(text).toMatch(/Index/);
  });
});
