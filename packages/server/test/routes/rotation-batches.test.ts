/**
 * Concurrent refreshes share rotation statements (store/sessions.ts `sessionRotations`). The
 * contract must hold per refresh, whatever else rides in the same statement: these tests send
 * bursts that mix sessions in every state and check each answer on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp, type Tokens } from '../helpers.js';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'rotation batches on %s',
  (name, database) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ database, config: { refreshReuseInterval: 10 } });
    });
    afterAll(() => server?.close());

    const signUps = (n: number) => Promise.all(Array.from({ length: n }, () => signUp(server)));
    const batching = () => ({
      statements: server.app.metrics.rotationStatements.get(),
      compareAndSets: server.app.metrics.rotationCompareAndSets.get(),
    });

    it('a burst of refreshes of distinct sessions shares statements, and every answer is its own session’s', async () => {
      const sessions = await signUps(40);
      const before = batching();
      const replies = await Promise.all(sessions.map((s) => refresh(server.authUrl, s.refresh_token)));
      expect(replies.map((r) => r.status)).toEqual(Array(40).fill(200));
      replies.forEach((r, i) => expect(r.body.user.id).toBe(sessions[i]!.user.id));
      expect(new Set(replies.map((r) => r.body.refresh_token)).size).toBe(40);
      const after = batching();
      expect(after.compareAndSets - before.compareAndSets).toBe(40);
      // On Postgres, fewer statements than refreshes: they were batched (40 requests at once cannot
      // all find the batcher idle). PGlite answers inside the event-loop turn that asked, so each
      // refresh finds the batcher idle and goes alone: nothing to batch there.
      if (name === 'postgres') expect(after.statements - before.statements).toBeLessThan(40);
      else expect(after.statements - before.statements).toBeLessThanOrEqual(40);
      // Each successor is the active token of its own session: it rotates again, and its access
      // token names its user.
      const again = await Promise.all(replies.map((r) => refresh(server.authUrl, r.body.refresh_token)));
      expect(again.map((r) => r.status)).toEqual(Array(40).fill(200));
      const me = await call(server.authUrl, 'GET', '/user', { token: again[7]!.body.access_token });
      expect(me.body.id).toBe(sessions[7]!.user.id);
    });

    it('one burst mixing every case: each refresh gets the answer it would get alone', async () => {
      const [fresh1, fresh2, raced, parentCase, reuseCase, revokedCase] = (await signUps(6)) as Tokens[];
      // parentCase: rotated once, so its first token is the parent of the active one.
      const parentChild = await refresh(server.authUrl, parentCase!.refresh_token);
      // reuseCase: rotated twice, so its first token is a grandparent: reuse.
      const reuseChild = await refresh(server.authUrl, reuseCase!.refresh_token);
      await refresh(server.authUrl, reuseChild.body.refresh_token);
      // revokedCase: signed out.
      expect((await call(server.authUrl, 'POST', '/logout?scope=local', { token: revokedCase!.access_token })).status).toBe(204);

      const [a, b, r1, r2, r3, parent, reuse, revoked] = await Promise.all([
        refresh(server.authUrl, fresh1!.refresh_token),
        refresh(server.authUrl, fresh2!.refresh_token),
        refresh(server.authUrl, raced!.refresh_token),
        refresh(server.authUrl, raced!.refresh_token),
        refresh(server.authUrl, raced!.refresh_token),
        refresh(server.authUrl, parentCase!.refresh_token),
        refresh(server.authUrl, reuseCase!.refresh_token),
        refresh(server.authUrl, revokedCase!.refresh_token),
      ]);
      expect([a, b].map((r) => r!.status)).toEqual([200, 200]);
      expect(a!.body.user.id).toBe(fresh1!.user.id);
      expect(b!.body.user.id).toBe(fresh2!.user.id);
      // One session refreshed three times at once: one successor for all three.
      expect([r1, r2, r3].map((r) => r!.status)).toEqual([200, 200, 200]);
      expect(new Set([r1, r2, r3].map((r) => r!.body.refresh_token)).size).toBe(1);
      // The parent inside the reuse interval: the same successor as before.
      expect(parent!.status).toBe(200);
      expect(parent!.body.refresh_token).toBe(parentChild.body.refresh_token);
      // The grandparent: reuse, and that session (only) is revoked.
      expect(reuse!.status).toBe(400);
      expect(reuse!.body.code).toBe('refresh_token_already_used');
      expect(revoked!.status).toBe(400);
      expect(revoked!.body.code).toBe('session_not_found');
      // Neighbours of the reuse in the burst live on.
      expect((await refresh(server.authUrl, a!.body.refresh_token)).status).toBe(200);
      expect((await refresh(server.authUrl, r1!.body.refresh_token)).status).toBe(200);
    });
  },
);
