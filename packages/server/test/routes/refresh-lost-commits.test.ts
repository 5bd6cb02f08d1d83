/**
 * Issue #12: a database that lost its last rotations (an asynchronous standby promoted, a
 * restore, synchronous_commit = off and a crash) holds a counter behind tokens the server already
 * issued. Such a token's MAC proves the server issued it, so it is accepted and the session moves
 * forward; tokens behind the new counter are still reuse. The loss is simulated here by moving
 * the stored counter back; test/failover.test.ts does it with a real primary and standby.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp } from '../helpers.js';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'lost rotations on %s',
  (_name, database) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ database, config: { refreshReuseInterval: 10 } });
    });
    afterAll(() => server?.close());

    /** Signs up and rotates `n` times; returns every token of the chain, oldest first. */
    async function chain(n: number): Promise<{ userId: string; tokens: string[] }> {
      const session = await signUp(server);
      const tokens = [session.refresh_token];
      for (let i = 0; i < n; i++) {
        const reply = await refresh(server.authUrl, tokens.at(-1) as string);
        expect(reply.status).toBe(200);
        tokens.push(reply.body.refresh_token);
      }
      return { userId: session.user.id, tokens };
    }

    const loseRotations = (userId: string, counter: number) =>
      server.app.db.query('UPDATE sessions SET counter = $2 WHERE user_id = $1', [userId, counter]);

    it('the newest token, ahead of a database that lost two rotations, rotates and the session lives', async () => {
      const { userId, tokens } = await chain(3);
      await loseRotations(userId, 1);
      server.clock.advance(60_000);
      const ahead = await refresh(server.authUrl, tokens[3] as string);
      expect([ahead.status, ahead.body.code]).toEqual([200, undefined]);
      expect((await call(server.authUrl, 'GET', '/user', { token: ahead.body.access_token })).status).toBe(200);
      // Rotated past it: the newest token is now its successor, and it rotates in turn.
      const next = await refresh(server.authUrl, ahead.body.refresh_token);
      expect(next.status).toBe(200);
    });

    it('concurrent presentations of the token ahead converge on one successor', async () => {
      const { userId, tokens } = await chain(3);
      await loseRotations(userId, 0);
      const replies = await Promise.all(Array.from({ length: 10 }, () => refresh(server.authUrl, tokens[3] as string)));
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(new Set(replies.map((r) => r.body.refresh_token)).size).toBe(1);
    });

    it('a token behind the new counter is still reuse and revokes the session', async () => {
      const { userId, tokens } = await chain(3);
      await loseRotations(userId, 0);
      expect((await refresh(server.authUrl, tokens[3] as string)).status).toBe(200);
      // tokens[1] was used before the loss, and is behind the counter the database moved to.
      const stale = await refresh(server.authUrl, tokens[1] as string);
      expect([stale.status, stale.body.code]).toEqual([400, 'refresh_token_already_used']);
    });
  },
);
