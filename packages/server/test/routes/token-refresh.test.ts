/**
 * The refresh contract of DESIGN.md, end to end over HTTP: rotation, the reuse interval,
 * reuse detection, and session timeouts — on PGlite, and on Postgres when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp } from '../helpers.js';
import { PUBLIC_USER_COLUMNS, ROTATED_USER_COLUMNS } from '../../src/store/users.js';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'refresh grant on %s',
  (_name, database) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ database, config: { refreshReuseInterval: 10 } });
    });
    afterAll(() => server?.close());

    it('rotates: a new refresh token and a fresh access token that works at /user', async () => {
      const session = await signUp(server);
      const rotated = await refresh(server.authUrl, session.refresh_token);
      expect(rotated.status).toBe(200);
      expect(rotated.body.refresh_token).not.toBe(session.refresh_token);
      expect(rotated.body.token_type).toBe('bearer');
      expect(rotated.body.user.id).toBe(session.user.id);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      const user = await call(server.authUrl, 'GET', '/user', { token: rotated.body.access_token });
      expect(user.status).toBe(200);
      // And the new token rotates in turn.
      expect((await refresh(server.authUrl, rotated.body.refresh_token)).status).toBe(200);
    });

    it('the user in a refresh answer is the user GET /user shows, timestamp for timestamp', async () => {
      // The rotation statement has Postgres format the user's timestamps (store/users.ts
      // ROTATED_USER_COLUMNS); every other answer formats Dates in JavaScript. Microseconds that
      // would round up show whether both truncate to the millisecond alike.
      const session = await signUp(server);
      await server.app.db.query(
        "UPDATE users SET updated_at = '2026-01-02 03:04:05.678999+00', banned_until = '2020-05-06 07:08:09.000500+00', raw_user_meta_data = $2 WHERE id = $1",
        [session.user.id, JSON.stringify({ name: 'Zoë \u2028 \"quoted\"' })],
      );
      // Postgres's text is what JavaScript makes of the Date, field by field (and is text: no Date on this path).
      const [text] = await server.app.db.query<Record<string, unknown>>(`SELECT ${ROTATED_USER_COLUMNS} FROM users u WHERE u.id = $1`, [
        session.user.id,
      ]);
      const [dates] = await server.app.db.query<Record<string, Date | null>>(`SELECT ${PUBLIC_USER_COLUMNS} FROM users u WHERE u.id = $1`, [
        session.user.id,
      ]);
      for (const field of ['email_confirmed_at', 'last_sign_in_at', 'banned_until', 'created_at', 'updated_at']) {
        expect(text![field], field).toBe(dates![field]?.toISOString() ?? null);
      }
      const rotated = await refresh(server.authUrl, session.refresh_token);
      expect(rotated.status).toBe(200);
      const shown = await call(server.authUrl, 'GET', '/user', { token: rotated.body.access_token });
      expect(rotated.body.user).toEqual(shown.body);
      expect(rotated.body.user.updated_at).toBe('2026-01-02T03:04:05.678Z');
      expect(rotated.body.user.banned_until).toBe('2020-05-06T07:08:09.000Z');
      expect(rotated.body.user.created_at).toBe(session.user.created_at);
      // The parent again inside the interval: the same user, read by the other statement.
      const replayed = await refresh(server.authUrl, session.refresh_token);
      expect(replayed.body.refresh_token).toBe(rotated.body.refresh_token);
      expect(replayed.body.user).toEqual(rotated.body.user);
    });

    it('50 parallel refreshes of one token: all 200, one successor, and the successor works', async () => {
      const session = await signUp(server);
      const replies = await Promise.all(Array.from({ length: 50 }, () => refresh(server.authUrl, session.refresh_token)));
      expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
      const successors = new Set(replies.map((r) => r.body.refresh_token));
      expect(successors.size).toBe(1);
      const [successor] = successors;
      expect(successor).not.toBe(session.refresh_token);
      const next = await refresh(server.authUrl, successor as string);
      expect(next.status).toBe(200);
    });

    it('the parent presented again inside the reuse interval gets the same successor', async () => {
      const session = await signUp(server);
      const first = await refresh(server.authUrl, session.refresh_token);
      server.clock.advance(9_000);
      const again = await refresh(server.authUrl, session.refresh_token);
      expect(again.status).toBe(200);
      expect(again.body.refresh_token).toBe(first.body.refresh_token);
    });

    it('reuse after the interval: 400 refresh_token_already_used, and the session is revoked', async () => {
      const session = await signUp(server);
      const rotated = await refresh(server.authUrl, session.refresh_token);
      // The interval counts from the rotation's commit, which lands a few real milliseconds after
      // the request's (injected) arrival time: past the interval by a clear margin.
      server.clock.advance(10_000 + 1_000);
      const reuse = await refresh(server.authUrl, session.refresh_token);
      expect(reuse.status).toBe(400);
      expect(reuse.body.code).toBe('refresh_token_already_used');
      // The session's current token and its access token stop working.
      const current = await refresh(server.authUrl, rotated.body.refresh_token);
      expect(current.status).toBe(400);
      expect(current.body.code).toBe('session_not_found');
      const user = await call(server.authUrl, 'GET', '/user', { token: rotated.body.access_token });
      expect(user.status).toBe(403);
      expect(user.body.code).toBe('session_not_found');
    });

    it('a grandparent token presented inside the interval is reuse', async () => {
      const session = await signUp(server);
      const child = await refresh(server.authUrl, session.refresh_token);
      const grandchild = await refresh(server.authUrl, child.body.refresh_token);
      expect(grandchild.status).toBe(200);
      const reuse = await refresh(server.authUrl, session.refresh_token);
      expect(reuse.status).toBe(400);
      expect(reuse.body.code).toBe('refresh_token_already_used');
      expect((await refresh(server.authUrl, grandchild.body.refresh_token)).body.code).toBe('session_not_found');
    });

    it('reuse revokes only that session by default: the same user signed in elsewhere keeps working', async () => {
      const email = `two-${Date.now()}-${Math.random()}@example.com`;
      const a = await signUp(server, email);
      const b = await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'correct horse battery' } });
      await refresh(server.authUrl, a.refresh_token);
      server.clock.advance(11_000);
      expect((await refresh(server.authUrl, a.refresh_token)).body.code).toBe('refresh_token_already_used');
      expect((await refresh(server.authUrl, b.body.refresh_token)).status).toBe(200);
    });

    it('unknown, forged and truncated tokens: 400 refresh_token_not_found', async () => {
      const session = await signUp(server);
      const tampered = session.refresh_token.slice(0, -2) + (session.refresh_token.endsWith('AA') ? 'BB' : 'AA');
      for (const token of ['not-a-token', tampered, session.refresh_token.slice(1), session.access_token]) {
        const reply = await refresh(server.authUrl, token);
        expect(reply.status).toBe(400);
        expect(reply.body.code).toBe('refresh_token_not_found');
      }
    });

    it('a deleted user: its refresh token answers session_not_found', async () => {
      const session = await signUp(server);
      const deleted = await call(server.authUrl, 'DELETE', `/admin/users/${session.user.id}`, { token: server.secretKey });
      expect(deleted.status).toBe(200);
      const reply = await refresh(server.authUrl, session.refresh_token);
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('session_not_found');
    });
  },
);

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'session policy on %s',
  (_name, database) => {
    it('LATCHKEY_REUSE_REVOKES=user: reuse ends every session of the user', async () => {
      const server = await startTestServer({ database, config: { reuseRevokes: 'user', refreshReuseInterval: 1 } });
      try {
        const email = `revokes-${Date.now()}@example.com`;
        const a = await signUp(server, email);
        const b = await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'correct horse battery' } });
        await refresh(server.authUrl, a.refresh_token);
        server.clock.advance(2_000);
        expect((await refresh(server.authUrl, a.refresh_token)).body.code).toBe('refresh_token_already_used');
        expect((await refresh(server.authUrl, b.body.refresh_token)).body.code).toBe('session_not_found');
      } finally {
        await server.close();
      }
    });

    it('LATCHKEY_REFRESH_REUSE_INTERVAL=0 is strict single use: a concurrent presentation of the parent is reuse too', async () => {
      const server = await startTestServer({ database, config: { refreshReuseInterval: 0 } });
      try {
        const session = await signUp(server);
        const replies = await Promise.all(Array.from({ length: 10 }, () => refresh(server.authUrl, session.refresh_token)));
        // One rotates; the rest find a used token (reuse, which revokes the session) or a session
        // that reuse already revoked. Never a second 200.
        expect(replies.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
        expect(replies.map((r) => r.body.code)).toContain('refresh_token_already_used');
        for (const r of replies.filter((r) => r.status !== 200))
          expect(['refresh_token_already_used', 'session_not_found']).toContain(r.body.code);
      } finally {
        await server.close();
      }
    });

    it('timebox: a session older than LATCHKEY_SESSION_TIMEBOX answers session_expired', async () => {
      const server = await startTestServer({ database, config: { sessionTimebox: 3600 } });
      try {
        const session = await signUp(server);
        server.clock.advance(1800_000);
        const ok = await refresh(server.authUrl, session.refresh_token);
        expect(ok.status).toBe(200);
        server.clock.advance(1800_001);
        const expired = await refresh(server.authUrl, ok.body.refresh_token);
        expect(expired.status).toBe(400);
        expect(expired.body.code).toBe('session_expired');
      } finally {
        await server.close();
      }
    });

    it('inactivity timeout: refreshing keeps a session alive; idling past the timeout expires it', async () => {
      const server = await startTestServer({ database, config: { sessionInactivityTimeout: 600 } });
      try {
        const session = await signUp(server);
        let token = session.refresh_token;
        for (let i = 0; i < 3; i++) {
          server.clock.advance(500_000);
          const reply = await refresh(server.authUrl, token);
          expect(reply.status).toBe(200);
          token = reply.body.refresh_token;
        }
        // Past the timeout from the last rotation's commit (a few real milliseconds after its arrival).
        server.clock.advance(600_000 + 1_000);
        const expired = await refresh(server.authUrl, token);
        expect(expired.body.code).toBe('session_expired');
      } finally {
        await server.close();
      }
    });
  },
);
