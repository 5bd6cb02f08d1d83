/**
 * Dead sessions are deleted after LATCHKEY_SESSION_RETENTION (issue #17): revoked, signed-out,
 * past their timebox or inactivity timeout; not a second earlier, live ones never; in batches;
 * by one process at a time; and their refresh tokens then answer as a revoked session's do.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import type { Config } from '../../src/config.js';
import type { PurgeResult } from '../../src/store/sessions.js';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, refresh, signUp, uniqueEmail, type Tokens } from '../helpers.js';

const HOUR = 3600;
const PASSWORD = 'correct horse battery';
const sessionOf = (t: Tokens): string => JSON.parse(Buffer.from(t.access_token.split('.')[1]!, 'base64url').toString()).session_id;

/**
 * Runs the purge now. Every server also purges when it starts, so a test's own call can find
 * that run still holding the lock (and skip, as designed); it then waits for its turn.
 */
async function purge(server: TestServer, batchSize?: number): Promise<PurgeResult> {
  for (;;) {
    const result = await server.app.purgeDeadSessions({ batchSize });
    if (result) return result;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function stored(server: TestServer, ids: string[]): Promise<string[]> {
  const rows = await server.app.db.query<{ id: string }>('SELECT id FROM sessions WHERE id = ANY($1::uuid[]) ORDER BY id', [ids]);
  return rows.map((r) => r.id);
}

/** `n` sessions of one new user written straight into the table (no argon2 per session). */
async function insertSessions(server: TestServer, n: number, at: { created: Date; refreshed: Date; revoked: Date | null }) {
  const user = await signUp(server, uniqueEmail('bulk'));
  const rows = await server.app.db.query<{ id: string }>(
    `INSERT INTO sessions (id, user_id, created_at, refreshed_at, revoked_at)
     SELECT gen_random_uuid(), $1, $2, $3, $4 FROM generate_series(1, $5) RETURNING id`,
    [user.user.id, at.created, at.refreshed, at.revoked, n],
  );
  return rows.map((r) => r.id);
}

describe.each(databaseCases(testDatabases()))('dead sessions on %s', (_name, database) => {
  const servers: TestServer[] = [];
  const start = async (config: Partial<Config>) => {
    const server = await startTestServer({ database, config });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('revoked and signed-out sessions go after the retention, not a second before; live ones stay', async () => {
    const server = await start({ sessionRetention: HOUR });
    const email = uniqueEmail();
    const live = await signUp(server, email);
    const signIn = async () =>
      (await call<Tokens>(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: PASSWORD } })).body;
    const signedOut = await signIn();
    const revoked = await signIn();
    expect((await call(server.authUrl, 'POST', '/logout?scope=local', { token: signedOut.access_token })).status).toBe(204);
    const admin = await call(server.authUrl, 'DELETE', `/admin/sessions/${sessionOf(revoked)}`, { token: server.secretKey });
    expect(admin.status).toBeLessThan(300);
    const dead = [sessionOf(signedOut), sessionOf(revoked)];
    const revokedAnswer = await refresh(server.authUrl, revoked.refresh_token);

    server.clock.advance(HOUR * 1000 - 1000);
    expect((await purge(server)).deleted).toBe(0);
    expect(await stored(server, dead)).toEqual([...dead].sort());

    server.clock.advance(2000);
    expect((await purge(server)).deleted).toBe(2);
    expect(await stored(server, dead)).toEqual([]);
    // Exactly what the revoked session answered before its row went: a coded 400, never a 500.
    const deletedAnswer = await refresh(server.authUrl, revoked.refresh_token);
    expect([deletedAnswer.status, deletedAnswer.body]).toEqual([revokedAnswer.status, revokedAnswer.body]);
    expect([deletedAnswer.status, deletedAnswer.body.code]).toEqual([400, 'session_not_found']);
    expect((await refresh(server.authUrl, signedOut.refresh_token)).body.code).toBe('session_not_found');
    // The live session is untouched, and so is its user.
    expect((await refresh(server.authUrl, live.refresh_token)).status).toBe(200);

    const audit = await call(server.authUrl, 'GET', '/admin/audit?type=sessions_purged', { token: server.secretKey });
    expect(audit.body.entries[0].data).toMatchObject({ count: 2, retention_seconds: HOUR });
    const metrics = await fetch(`${server.authUrl}/metrics`, { headers: { authorization: `Bearer ${server.secretKey}` } });
    expect(await metrics.text()).toContain('latchkey_sessions_deleted_total 2');
  });

  it('sessions past their timebox go a retention after the timebox ended; younger ones stay', async () => {
    const server = await start({ sessionRetention: HOUR, sessionTimebox: 2 * HOUR });
    const old = await signUp(server);
    server.clock.advance(1.5 * HOUR * 1000);
    const young = await signUp(server); // ends at 3.5 h
    server.clock.advance(1.5 * HOUR * 1000 - 1000); // old ended at 2 h: an hour ago, less a second
    expect((await refresh(server.authUrl, old.refresh_token)).body.code).toBe('session_expired');
    expect((await purge(server)).deleted).toBe(0);
    expect(await stored(server, [sessionOf(old)])).toHaveLength(1);

    server.clock.advance(2000);
    expect((await purge(server)).deleted).toBe(1);
    expect(await stored(server, [sessionOf(old), sessionOf(young)])).toEqual([sessionOf(young)]);
    const gone = await refresh(server.authUrl, old.refresh_token);
    expect([gone.status, gone.body.code]).toEqual([400, 'session_not_found']);
    expect((await refresh(server.authUrl, young.refresh_token)).status).toBe(200);
  });

  it('sessions past their inactivity timeout go a retention after it; one kept refreshing stays', async () => {
    const server = await start({ sessionRetention: HOUR, sessionInactivityTimeout: HOUR });
    const minutes = (n: number) => server.clock.advance(n * 60_000);
    const idle = await signUp(server);
    let busy = await signUp(server);
    for (let i = 0; i < 2; i++) {
      minutes(50);
      busy = (await refresh(server.authUrl, busy.refresh_token)).body;
    }
    minutes(19); // idle ended at 60 min: 119 min is a minute short of the retention
    expect((await purge(server)).deleted).toBe(0);
    minutes(2);
    expect((await purge(server)).deleted).toBe(1);
    expect(await stored(server, [sessionOf(idle), sessionOf(busy)])).toEqual([sessionOf(busy)]);
    expect((await refresh(server.authUrl, idle.refresh_token)).body.code).toBe('session_not_found');
    expect((await refresh(server.authUrl, busy.refresh_token)).status).toBe(200);
  });

  it('deletes in batches of the given size, walking past live old sessions', async () => {
    const server = await start({ sessionRetention: HOUR, sessionInactivityTimeout: HOUR });
    const now = new Date(server.clock());
    const longAgo = new Date(now.getTime() - 30 * 86_400_000);
    const revoked = await insertSessions(server, 7, { created: longAgo, refreshed: longAgo, revoked: longAgo });
    const idle = await insertSessions(server, 5, { created: longAgo, refreshed: longAgo, revoked: null });
    // Created long ago but refreshed a minute ago: live, and in the walk's path.
    const live = await insertSessions(server, 4, { created: longAgo, refreshed: new Date(now.getTime() - 60_000), revoked: null });
    const result = await purge(server, 3);
    expect(result.deleted).toBe(12);
    // Revoked: 3 + 3 + 1. Expired: ≥ 4 pages of 3 over 9 rows (plus the users' sign-up sessions) and an empty one.
    expect(result.statements).toBeGreaterThanOrEqual(3 + 4);
    expect(await stored(server, [...revoked, ...idle, ...live])).toEqual([...live].sort());
  });

  it('two purges at once: one works, the other skips', async () => {
    const server = await start({ sessionRetention: HOUR });
    const longAgo = new Date(server.clock() - 30 * 86_400_000);
    await purge(server); // the start-up purge is over
    const ids = await insertSessions(server, 300, { created: longAgo, refreshed: longAgo, revoked: longAgo });
    const results = await Promise.all([server.app.purgeDeadSessions({ batchSize: 10 }), server.app.purgeDeadSessions({ batchSize: 10 })]);
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(results.find((r) => r)?.deleted).toBe(300);
    expect(await stored(server, ids)).toEqual([]);
  });

  it('LATCHKEY_SESSION_RETENTION=0 never deletes', async () => {
    const server = await start({ sessionRetention: 0 });
    const longAgo = new Date(server.clock() - 365 * 86_400_000);
    const ids = await insertSessions(server, 2, { created: longAgo, refreshed: longAgo, revoked: longAgo });
    expect(await server.app.purgeDeadSessions()).toBeUndefined();
    expect(await stored(server, ids)).toHaveLength(2);
  });
});

describe.skipIf(!process.env.LATCHKEY_TEST_DATABASE_URL)('dead sessions on Postgres, several processes', () => {
  const database = process.env.LATCHKEY_TEST_DATABASE_URL!;
  let a: TestServer;
  let b: TestServer;
  let other: Database;
  beforeAll(async () => {
    a = await startTestServer({ database, config: { sessionRetention: HOUR } });
    b = await startTestServer({ database, schema: a.schema, clock: a.clock, config: { sessionRetention: HOUR } });
    other = await openDatabase({ database, schema: a.schema, poolSize: 2 });
  });
  afterAll(async () => {
    await other?.close();
    await b?.close();
    await a?.close();
  });

  it('a process finds the lock held by another and skips; once free, it purges', async () => {
    const longAgo = new Date(a.clock() - 30 * 86_400_000);
    const ids = await insertSessions(a, 5, { created: longAgo, refreshed: longAgo, revoked: longAgo });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const holds = new Promise<void>((resolve) => (holding = resolve));
    const holder = other.ifUnlocked('session-purge', async () => {
      holding();
      await held;
    });
    await holds;
    expect(await a.app.purgeDeadSessions()).toBeUndefined();
    expect(await b.app.purgeDeadSessions()).toBeUndefined();
    expect(await stored(a, ids)).toHaveLength(5);
    release();
    expect(await holder).toEqual({ value: undefined });
    expect((await purge(b)).deleted).toBe(5);
  });

  it('two processes purging at once: exactly one does the work', async () => {
    const longAgo = new Date(a.clock() - 30 * 86_400_000);
    const ids = await insertSessions(a, 3000, { created: longAgo, refreshed: longAgo, revoked: longAgo });
    const [ra, rb] = await Promise.all([a.app.purgeDeadSessions({ batchSize: 50 }), b.app.purgeDeadSessions({ batchSize: 50 })]);
    expect([ra, rb].filter((r) => r === undefined)).toHaveLength(1);
    expect((ra ?? rb)!.deleted).toBe(3000);
    expect(await stored(a, ids)).toEqual([]);
  });

  it('a refresh rotating a session while a purge batch runs is never held up or lost', async () => {
    const live = await signUp(a);
    const longAgo = new Date(a.clock() - 30 * 86_400_000);
    await insertSessions(a, 2000, { created: longAgo, refreshed: longAgo, revoked: longAgo });
    let token = live.refresh_token;
    const purging = purge(b, 20);
    for (let i = 0; i < 20; i++) {
      const reply = await refresh(a.authUrl, token);
      expect(reply.status).toBe(200);
      token = reply.body.refresh_token;
    }
    expect((await purging).deleted).toBeGreaterThanOrEqual(2000);
  });
});
