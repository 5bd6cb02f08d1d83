/**
 * Rotation holds across server processes on one Postgres: three real `latchkey serve` processes,
 * requests spread across them. Needs LATCHKEY_TEST_DATABASE_URL (set by .ci/run).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../src/testing.js';
import { call, refresh, signUp } from './helpers.js';
import { totpAt } from './support/totp.js';
import { runCli, startProcess, type ServerProcess } from './spawn.js';

const database = process.env.LATCHKEY_TEST_DATABASE_URL;

describe.skipIf(!database)('three server processes on one Postgres', () => {
  const schema = `lk_mp_${randomBytes(6).toString('hex')}`;
  const env = {
    LATCHKEY_DATABASE_URL: database ?? '',
    LATCHKEY_DB_SCHEMA: schema,
    // One issuer for the fleet, as behind a load balancer.
    LATCHKEY_ISSUER: 'http://latchkey.test/auth/v1',
    LATCHKEY_REFRESH_REUSE_INTERVAL: '10',
  };
  let procs: ServerProcess[] = [];

  beforeAll(async () => {
    // Started together: migrations and first-start key generation race, and must agree.
    procs = await Promise.all([startProcess(env), startProcess(env), startProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await dropSchema(database as string, schema);
  });

  it('processes started at once agree on one signing key and one secret key', async () => {
    const jwks = await Promise.all(
      procs.map(async (p) => JSON.stringify(await (await fetch(`${p.authUrl}/.well-known/jwks.json`)).json())),
    );
    expect(new Set(jwks).size).toBe(1);
    const session = await signUp(procs[0]!);
    for (const p of procs) expect((await call(p.authUrl, 'GET', '/user', { token: session.access_token })).status).toBe(200);
  });

  it('parallel refreshes of one token spread across the processes converge on one successor', async () => {
    const session = await signUp(procs[0]!);
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => refresh(procs[i % 3]!.authUrl, session.refresh_token)));
    expect(replies.map((r) => r.status)).toEqual(Array(60).fill(200));
    const successors = new Set(replies.map((r) => r.body.refresh_token));
    expect(successors.size).toBe(1);
    expect((await refresh(procs[2]!.authUrl, [...successors][0] as string)).status).toBe(200);
  });

  it('many sessions raced on every process at once: batches that share rows converge, none fails or deadlocks', async () => {
    // 30 sessions, each token presented 3× to each process in one burst: every process batches
    // compare-and-sets of many of the same sessions at the same moment, the case where two
    // multi-row statements could lock shared rows in opposite orders.
    const sessions = await Promise.all(Array.from({ length: 30 }, () => signUp(procs[0]!)));
    const started = performance.now();
    const replies = await Promise.all(
      sessions.flatMap((s) => Array.from({ length: 9 }, (_, i) => refresh(procs[i % 3]!.authUrl, s.refresh_token))),
    );
    const elapsed = performance.now() - started;
    expect(replies.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    sessions.forEach((s, i) => {
      const mine = replies.slice(i * 9, i * 9 + 9);
      expect(new Set(mine.map((r) => r.body.refresh_token)).size).toBe(1);
      for (const r of mine) expect(r.body.user.id).toBe(s.user.id);
    });
    // A deadlock between two processes' statements would be healed by retrying their refreshes one
    // by one, so it shows only here: no process had to split a rotation statement.
    const { stdout } = await runCli(['api-keys', '--json'], env);
    const secret = JSON.parse(stdout).secret_key as string;
    for (const p of procs) {
      const metrics = await (
        await fetch(`${p.authUrl}/metrics`, { headers: { authorization: `Bearer ${secret}`, apikey: secret } })
      ).text();
      expect(metrics).toMatch(/^latchkey_rotation_batch_splits_total 0$/m);
      expect(Number(/^latchkey_rotation_compare_and_sets_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    }
    console.log(
      `[multiprocess] 270 refreshes of 30 sessions over 3 processes: ${Math.round(elapsed)} ms (most of it the test's own new connections)`,
    );
    const next = await Promise.all(sessions.map((_, i) => refresh(procs[i % 3]!.authUrl, replies[i * 9]!.body.refresh_token)));
    expect(next.map((r) => r.status)).toEqual(Array(30).fill(200));
  });

  it('a replay on one process revokes the session on all', async () => {
    const session = await signUp(procs[0]!);
    const child = await refresh(procs[0]!.authUrl, session.refresh_token);
    const grandchild = await refresh(procs[1]!.authUrl, child.body.refresh_token);
    expect(grandchild.status).toBe(200);
    const replay = await refresh(procs[2]!.authUrl, session.refresh_token);
    expect(replay.body.code).toBe('refresh_token_already_used');
    for (const p of procs) {
      expect((await refresh(p.authUrl, grandchild.body.refresh_token)).body.code).toBe('session_not_found');
      expect((await call(p.authUrl, 'GET', '/user', { token: grandchild.body.access_token })).body.code).toBe('session_not_found');
    }
  });

  it('aal2 holds across processes: verified on one, rotated on another, a replay on a third gets the same aal2 successor', async () => {
    const session = await signUp(procs[0]!);
    const enrolled = await call(procs[0]!.authUrl, 'POST', '/factors', { token: session.access_token, body: { factor_type: 'totp' } });
    const { id, totp } = enrolled.body;
    const challenge = await call(procs[1]!.authUrl, 'POST', `/factors/${id}/challenge`, { token: session.access_token });
    const verified = await call(procs[1]!.authUrl, 'POST', `/factors/${id}/verify`, {
      token: session.access_token,
      body: { challenge_id: challenge.body.id, code: totpAt(totp.secret, Date.now()) },
    });
    expect(verified.status).toBe(200);
    const aal = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).aal;
    expect(aal(verified.body.access_token)).toBe('aal2');
    const rotated = await refresh(procs[2]!.authUrl, verified.body.refresh_token);
    expect(aal(rotated.body.access_token)).toBe('aal2');
    // Its predecessor replayed on the other processes, inside the reuse interval.
    for (const p of [procs[0]!, procs[1]!]) {
      const replay = await refresh(p.authUrl, verified.body.refresh_token);
      expect(replay.status).toBe(200);
      expect(replay.body.refresh_token).toBe(rotated.body.refresh_token);
      expect(aal(replay.body.access_token)).toBe('aal2');
    }
    // A race across the three processes: every answer aal2, one successor.
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => refresh(procs[i % 3]!.authUrl, rotated.body.refresh_token)));
    expect(replies.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(new Set(replies.map((r) => aal(r.body.access_token)))).toEqual(new Set(['aal2']));
    expect(new Set(replies.map((r) => r.body.refresh_token)).size).toBe(1);
  });

  it('killing one process mid-storm loses no session', async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, () => signUp(procs[0]!)));
    const tokens = sessions.map((s) => s.refresh_token);
    let stop = false;
    const alive = new Set([0, 1, 2]);
    const failures: string[] = [];
    // Each client refreshes its session in a loop against a rotating process; a request that dies
    // with its process is retried with the same token elsewhere, as a real client would.
    const clients = tokens.map(async (_, i) => {
      let n = i;
      while (!stop) {
        const target = procs[n++ % 3]!;
        try {
          const reply = await refresh(target.authUrl, tokens[i] as string);
          if (reply.status !== 200) failures.push(`${reply.status} ${reply.body?.code}`);
          else tokens[i] = reply.body.refresh_token;
        } catch {
          if (alive.has(procs.indexOf(target))) failures.push('network error on a live process');
        }
      }
    });
    await new Promise((r) => setTimeout(r, 700));
    alive.delete(2);
    await procs[2]!.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 700));
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    // Every session still refreshes on the survivors.
    for (const token of tokens) expect((await refresh(procs[0]!.authUrl, token)).status).toBe(200);
  });
});
