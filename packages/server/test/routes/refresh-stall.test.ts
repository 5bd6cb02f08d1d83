/**
 * Issue #12: no session lost to a slow database. A session's row is held (a long transaction, a
 * stalled Postgres) for longer than the reuse interval while its client keeps presenting its own
 * newest token, as @latchkey/client does on time-outs. The reuse interval counts from the
 * rotation's commit, so every attempt gets the same successor and the session lives.
 *
 * These tests measure real elapsed time on purpose: what they exercise is a real wait on a real
 * row lock (or PGlite's one connection), which an injected clock cannot stand in for. The server
 * runs on the system clock with a 1-second reuse interval, so the stalls stay short.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock, startTestServer, testDatabases, type FakeClock, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp, type Reply } from '../helpers.js';

/** The system clock, shaped like the fake one the test server takes. */
function systemTime(): FakeClock {
  const clock = (() => Date.now()) as FakeClock;
  clock.advance = () => {
    throw new Error('this test runs on the system clock');
  };
  clock.set = clock.advance;
  return clock;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds a user's session rows (SELECT … FOR UPDATE in an open transaction) until released. */
async function holdSessionRow(server: TestServer, userId: string): Promise<{ release(): Promise<void> }> {
  if (server.database === 'memory') {
    // PGlite has one connection: an open transaction holds the whole database, as a stalled
    // server would. Every other statement waits for it.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const done = server.app.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM sessions WHERE user_id = $1 FOR UPDATE', [userId]);
      locked();
      await gate;
    });
    await isLocked;
    return {
      async release() {
        release();
        await done;
      },
    };
  }
  const client = new pg.Client({ connectionString: server.database });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`SELECT id FROM ${server.schema}.sessions WHERE user_id = $1 FOR UPDATE`, [userId]);
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'a stalled row on %s',
  (name, database) => {
    let server: TestServer;
    beforeAll(async () => {
      // A statement timeout longer than the stall: this suite is about the reuse interval.
      server = await startTestServer({ database, clock: systemTime(), config: { refreshReuseInterval: 1, dbTimeoutMs: 10_000 } });
    });
    afterAll(() => server?.close());

    it('attempts of one newest token across a stall longer than the reuse interval all get the same successor', async () => {
      const session = await signUp(server);
      const held = await holdSessionRow(server, session.user.id);
      const attempts: Promise<Reply>[] = [];
      try {
        // The client's first attempt, then two retries of the same token after its time-outs: the
        // later ones arrive more than the interval (1 s) after the first.
        attempts.push(refresh(server.authUrl, session.refresh_token));
        await sleep(1_300);
        attempts.push(refresh(server.authUrl, session.refresh_token));
        await sleep(500);
        attempts.push(refresh(server.authUrl, session.refresh_token));
        await sleep(300);
      } finally {
        await held.release();
      }
      const replies = await Promise.all(attempts);
      expect(replies.map((r) => [r.status, r.body.code])).toEqual([
        [200, undefined],
        [200, undefined],
        [200, undefined],
      ]);
      expect(new Set(replies.map((r) => r.body.refresh_token)).size).toBe(1);
      // The session lives on: its successor rotates and its access token works.
      const next = await refresh(server.authUrl, replies[0]!.body.refresh_token);
      expect(next.status).toBe(200);
      expect((await call(server.authUrl, 'GET', '/user', { token: next.body.access_token })).status).toBe(200);
    });

    it('the interval still ends: the parent presented more than the interval after the commit is reuse', async () => {
      const session = await signUp(server);
      const held = await holdSessionRow(server, session.user.id);
      const first = refresh(server.authUrl, session.refresh_token);
      await sleep(300);
      await held.release();
      expect((await first).status).toBe(200);
      await sleep(1_200);
      const late = await refresh(server.authUrl, session.refresh_token);
      expect([late.status, late.body.code]).toEqual([400, 'refresh_token_already_used']);
    });

    if (name === 'postgres') {
      it('a batch does not wait on one held row: the other sessions in it rotate while it is held', async () => {
        const others = await Promise.all(Array.from({ length: 12 }, () => signUp(server)));
        const stalled = await signUp(server);
        const held = await holdSessionRow(server, stalled.user.id);
        let stalledReply: Promise<Reply>;
        let replies: Reply[];
        try {
          // All at once: the first goes alone, the rest (the held row among them) share the next
          // statement. Before SKIP LOCKED, that statement waited on the held row with everyone in it.
          const pending = others.map((s) => refresh(server.authUrl, s.refresh_token));
          stalledReply = refresh(server.authUrl, stalled.refresh_token);
          pending.push(...others.slice(0, 4).map((s) => refresh(server.authUrl, s.refresh_token)));
          // Every other session answers while the row is still held (nothing else releases it).
          replies = await Promise.all(pending);
        } finally {
          await held.release();
        }
        expect(replies.map((r) => r.status)).toEqual(Array(16).fill(200));
        expect(server.app.metrics.rotationCompareAndSets.get()).toBeGreaterThan(server.app.metrics.rotationStatements.get());
        // And the held one went through once the row was free.
        expect((await stalledReply!).status).toBe(200);
      });
    }
  },
);

describe.runIf(testDatabases().some((d) => d.startsWith('postgres')))('bounded waits on postgres', () => {
  const database = testDatabases().find((d) => d.startsWith('postgres')) as string;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, clock: createFakeClock(), config: { dbTimeoutMs: 500 } });
  });
  afterAll(() => server?.close());

  it('a refresh held past LATCHKEY_DB_TIMEOUT_MS answers 503 with Retry-After, and its token still works after', async () => {
    const session = await signUp(server);
    const held = await holdSessionRow(server, session.user.id);
    let stalled: Reply;
    let health: Reply;
    try {
      stalled = await refresh(server.authUrl, session.refresh_token);
      // The rest of the server is not held up by one row.
      health = await call(server.authUrl, 'GET', '/health');
    } finally {
      await held.release();
    }
    expect([stalled.status, stalled.body.code, stalled.headers.get('retry-after')]).toEqual([503, 'service_unavailable', '1']);
    expect(health.status).toBe(200);
    // The cancelled rotation never committed: the same token is still the active one.
    const retried = await refresh(server.authUrl, session.refresh_token);
    expect(retried.status).toBe(200);
    expect((await refresh(server.authUrl, retried.body.refresh_token)).status).toBe(200);
  });
});
