/**
 * The admin search's trigram indexes (db/search-indexes.ts): built after start on Postgres, used
 * by GoTrue's `filter` (a substring of the email or full name), rebuilt when left invalid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSearchIndexes } from '../../src/db/search-indexes.js';
import { USER_FILTER } from '../../src/store/users.js';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, uniqueEmail } from '../helpers.js';

const INDEXES = ['users_email_trgm_idx', 'users_full_name_trgm_idx'];

describe.each(databaseCases(testDatabases()))('admin search indexes on %s', (name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(() => server?.close());

  const validity = async () =>
    server.app.db.query<{ name: string; valid: boolean }>(
      'SELECT indexrelid::regclass::text AS name, indisvalid AS valid FROM pg_index WHERE indexrelid IN (to_regclass($1), to_regclass($2)) ORDER BY 1',
      INDEXES,
    );

  it('substring search finds users by the middle of their email or name', async () => {
    const email = uniqueEmail('trigram-middle');
    const created = await call(server.authUrl, 'POST', '/admin/users', {
      token: server.secretKey,
      body: { email, user_metadata: { full_name: 'Ada Quillfeather' } },
    });
    expect(created.status).toBe(200);
    const byEmail = await call(server.authUrl, 'GET', `/admin/users?filter=${encodeURIComponent(email.slice(3, -8))}`, {
      token: server.secretKey,
    });
    expect(byEmail.body.users.map((u: { id: string }) => u.id)).toEqual([created.body.id]);
    const byName = await call(server.authUrl, 'GET', '/admin/users?filter=QUILLFEATH', { token: server.secretKey });
    expect(byName.body.users.map((u: { id: string }) => u.id)).toContain(created.body.id);
  });

  if (name === 'pglite') {
    it('the embedded database has none (a small table; no extension to load)', async () => {
      expect(await server.searchIndexes).toBe('embedded');
    });
    return;
  }

  it('are built after start, and the filter statement can use both', async () => {
    expect(await server.searchIndexes).toBe('ready');
    expect(await validity()).toEqual(INDEXES.map((index) => ({ name: index, valid: true })));
    // A few rows make a sequential scan cheapest; turned off, the plan shows what the indexes can answer.
    const plan = await server.app.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const rows = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT * FROM users WHERE ${USER_FILTER}`, ['%quill%']);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    for (const index of INDEXES) expect(plan).toContain(index);
  });

  it('an index a cut-off concurrent build left invalid is rebuilt at the next start', async () => {
    await server.searchIndexes;
    // What an interrupted CREATE INDEX CONCURRENTLY leaves behind (the test role is a superuser).
    await server.app.db.query('UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass($1)', [INDEXES[0]]);
    expect((await validity()).find((r) => r.name === INDEXES[0])?.valid).toBe(false);
    expect(await ensureSearchIndexes(server.app.db)).toBe('ready');
    expect(await validity()).toEqual(INDEXES.map((index) => ({ name: index, valid: true })));
  });
});
