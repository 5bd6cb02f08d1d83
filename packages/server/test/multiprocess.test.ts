/**
 * Rotation holds across server processes on one Postgres: three real `latchkey serve` processes,
 * requests spread across them. Needs LATCHKEY_TEST_DATABASE_URL (set by .ci/run).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../src/testing.js';
import { call, refresh, signUp } from './helpers.js';
import { startProcess, type ServerProcess } from './spawn.js';

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
