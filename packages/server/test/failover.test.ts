/**
 * Failover without lost sessions (issue #12 part 3), through a real failover: a Postgres primary
 * with an asynchronous streaming standby (test/support/pg-cluster.ts), Latchkey on the libpq
 * multi-host URL, the primary SIGKILLed mid-load and the standby promoted; no Latchkey restarts.
 *
 * Asynchronous replication loses the primary's last commits, and for sessions those are
 * rotations: the promoted database holds an older counter than the token its client holds.
 * Whether a real lag covers a given rotation is luck, so the tests make it certain: they cut the
 * standby's stream (its WAL receiver stops, as over a partitioned network) a while before the
 * crash, and everything committed after the cut is lost. That is the case store/sessions.ts's
 * `counter <= presented` exists for.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type LatchkeyClient } from '@latchkey/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { call, refresh, signUp, uniqueEmail } from './helpers.js';
import { clusterAvailable, startCluster, type PgCluster } from './support/pg-cluster.js';
import { startProcess, type ServerProcess } from './spawn.js';

/** The session and counter a refresh token names (its MAC is the server's business). */
function tokenParts(token: string): { sessionId: string; counter: number } {
  const raw = Buffer.from(token, 'base64url');
  const hex = raw.subarray(1, 17).toString('hex');
  const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { sessionId, counter: Number(raw.readBigUInt64BE(17)) };
}

async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The session counters the standby holds: after the crash, what the promoted database will start from. */
async function standbyCounters(cluster: PgCluster, schema: string): Promise<Map<string, number>> {
  const rows = await cluster.standby.sql<{ id: string; counter: string }>(`SELECT id, counter FROM ${schema}.sessions`);
  return new Map(rows.map((r) => [r.id, Number(r.counter)]));
}

/** Refreshes with one token until the answer is not transient, as @latchkey/client retries. */
async function refreshThroughOutage(authUrl: string, token: string): Promise<Awaited<ReturnType<typeof refresh>>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const reply = await refresh(authUrl, token).catch(() => undefined);
    if (reply && reply.status < 500) return reply;
    if (Date.now() > deadline) throw new Error(`still no answer: ${reply?.status} ${JSON.stringify(reply?.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!clusterAvailable('failover'))('failover to an asynchronous standby', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    // Latchkey first, then the cluster: always, whatever the test did.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('mid-load, across two processes: every session continues, none is revoked, and lost rotations are accepted ahead', async () => {
    const started = performance.now();
    const cluster = await startCluster();
    cleanups.push(() => cluster.destroy());
    const env = {
      LATCHKEY_DATABASE_URL: cluster.url('read-write'),
      LATCHKEY_DB_SCHEMA: 'latchkey',
      LATCHKEY_ISSUER: 'http://latchkey.test/auth/v1',
      LATCHKEY_DB_TIMEOUT_MS: '1000',
    };
    const procs: ServerProcess[] = [];
    cleanups.push(() => Promise.all(procs.map((p) => p.stop('SIGKILL'))));
    procs.push(...(await Promise.all([startProcess(env), startProcess(env)])));

    // What each client's refresh requests met, recorded by its fetch.
    type Phase = 'before' | 'cut' | 'down' | 'promoted';
    let phase: Phase = 'before';
    interface Refresh {
      sentIn: Phase;
      presented: number;
      status: number | 'network';
      code?: string;
    }
    const N = 20;
    const log: Refresh[][] = Array.from({ length: N }, () => []);
    const signedOut = new Set<number>();
    const clients: LatchkeyClient[] = Array.from({ length: N }, (_, i) =>
      createClient({
        url: procs[i % 2]!.authUrl,
        fetch: async (input, init) => {
          if (!String(input).includes('grant_type=refresh_token')) return fetch(input, init);
          const entry: Refresh = {
            sentIn: phase,
            presented: tokenParts(JSON.parse(String(init?.body)).refresh_token).counter,
            status: 'network',
          };
          log[i]!.push(entry);
          const response = await fetch(input, init);
          const body = await response
            .clone()
            .json()
            .catch(() => ({}));
          entry.status = response.status;
          entry.code = body.error_code ?? body.code;
          return response;
        },
      }),
    );
    clients.forEach((auth, i) => auth.onAuthStateChange((event) => void (event === 'SIGNED_OUT' && signedOut.add(i))));
    cleanups.push(async () => clients.forEach((auth) => auth.dispose()));

    for (const auth of clients) {
      const { error } = await auth.signUp({ email: uniqueEmail('failover'), password: 'correct horse battery' });
      expect(error).toBeNull();
    }
    const tokenOf = async (i: number) => (await clients[i]!.getSession()).data.session!.refresh_token;
    const sessionIds = await Promise.all(clients.map(async (_, i) => tokenParts(await tokenOf(i)).sessionId));
    // The sessions themselves are on the standby: what the crash can lose is rotations only.
    await cluster.waitForReplay();

    let stop = false;
    const successes = (i: number, phases: Phase[]) => log[i]!.filter((r) => r.status === 200 && phases.includes(r.sentIn)).length;
    const load = clients.map(async (auth) => {
      while (!stop) {
        const { error } = await auth.refreshSession();
        // During the outage the client reports the failure (session kept) and, after its own
        // retries, cools down; the loop just keeps asking, as an app would.
        await new Promise((r) => setTimeout(r, error ? 100 : 10));
      }
    });
    try {
      await until('three refreshes per client', 30_000, () => clients.every((_, i) => successes(i, ['before']) >= 3));
      await cluster.cutReplication();
      phase = 'cut';
      // Two rotations per session sent after the stream was cut: both are lost with the primary.
      await until('two refreshes per client after the cut', 30_000, () => clients.every((_, i) => successes(i, ['cut']) >= 2));
      const crashedAt = performance.now();
      cluster.crash(cluster.primary);
      phase = 'down';
      const counters = await standbyCounters(cluster, 'latchkey');
      await new Promise((r) => setTimeout(r, 300)); // an outage the clients see
      await cluster.promote();
      phase = 'promoted';
      const promotedIn = performance.now() - crashedAt;
      await until('two refreshes per client after the promotion', 20_000, () => clients.every((_, i) => successes(i, ['promoted']) >= 2));
      stop = true;
      await Promise.all(load);

      // The same processes throughout: none was restarted to find the new primary.
      for (const p of procs) expect(p.child.exitCode).toBeNull();

      const all = log.flat();
      const definitive = all.filter((r) => typeof r.status === 'number' && r.status >= 400 && r.status < 500);
      expect(definitive.map((r) => `${r.status} ${r.code}`)).toEqual([]);
      expect(all.filter((r) => r.code === 'refresh_token_already_used' || r.code === 'session_not_found')).toEqual([]);
      expect([...signedOut]).toEqual([]);

      let lost = 0;
      for (let i = 0; i < N; i++) {
        const stored = counters.get(sessionIds[i]!);
        expect(stored).toBeDefined();
        // The first refresh that could only reach the promoted standby presented a token ahead
        // of its counter (the rotations after the cut never got there), and was accepted.
        const first = log[i]!.find((r) => r.status === 200 && (r.sentIn === 'down' || r.sentIn === 'promoted'))!;
        expect(first.presented).toBeGreaterThan(stored!);
        lost += first.presented - stored!;
      }
      // Every session lives on. One more refresh each, now that the load is over (retried past
      // the client's cooldown should its last call have failed): afterwards the client's token
      // is the database's active one, and its access token works on both processes.
      const tokens = await Promise.all(
        clients.map(async (auth) => {
          for (let tries = 0; ; tries++) {
            const { data, error } = await auth.refreshSession();
            if (!error) return data.session;
            if (tries > 100) throw error;
            await new Promise((r) => setTimeout(r, 200));
          }
        }),
      );
      const final = await standbyCounters(cluster, 'latchkey');
      for (let i = 0; i < N; i++) {
        expect(final.get(sessionIds[i]!)).toBe(tokenParts(tokens[i]!.refresh_token).counter);
        for (const p of procs) expect((await call(p.authUrl, 'GET', '/user', { token: tokens[i]!.access_token })).status).toBe(200);
      }

      const count = (f: (r: Refresh) => boolean) => all.filter(f).length;
      console.log(
        `[failover] ${N} sessions on 2 processes: ${count((r) => r.status === 200)} refreshes (${count((r) => r.status === 200 && r.sentIn === 'promoted')} after the promotion); ` +
          `${lost} rotations lost with the primary and accepted ahead (every session); ` +
          `transient: ${count((r) => r.status === 503)} × 503, ${count((r) => r.status === 'network')} network errors, ` +
          `${count((r) => typeof r.status === 'number' && r.status >= 500 && r.status !== 503)} other 5xx; 0 definitive; ` +
          `crash to promoted ${Math.round(promotedIn)} ms; test ${Math.round(performance.now() - started)} ms`,
      );
    } finally {
      stop = true;
      await Promise.all(load);
    }
  });

  it('a token ahead of the promoted database is accepted once, moves the session forward, and the lost tokens are reuse', async () => {
    const cluster = await startCluster();
    cleanups.push(() => cluster.destroy());
    const schema = `lk_ahead_${randomBytes(4).toString('hex')}`;
    // In-process, on the multi-host URL; an explicit schema, so nothing tries to drop it (the
    // cluster goes as a whole).
    const server: TestServer = await startTestServer({ database: cluster.url('read-write'), schema, config: { dbTimeoutMs: 1000 } });
    cleanups.push(() => server.close());

    const session = await signUp(server);
    const { sessionId } = tokenParts(session.refresh_token);
    await cluster.waitForReplay();
    await cluster.cutReplication();
    // Two rotations the standby never receives: token 1 (used) and token 2 (active).
    const one = await refresh(server.authUrl, session.refresh_token);
    const two = await refresh(server.authUrl, one.body.refresh_token);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(tokenParts(two.body.refresh_token).counter).toBe(2);

    cluster.crash(cluster.primary);
    expect((await standbyCounters(cluster, schema)).get(sessionId)).toBe(0);
    await cluster.promote();

    // Token 2, two ahead of the promoted counter 0: the newest token there is. The same server
    // process, no restart: its dead connections go, new ones land on the promoted standby.
    const three = await refreshThroughOutage(server.authUrl, two.body.refresh_token);
    expect(three.status).toBe(200);
    expect(tokenParts(three.body.refresh_token)).toEqual({ sessionId, counter: 3 });
    expect((await call(server.authUrl, 'GET', '/user', { token: three.body.access_token })).status).toBe(200);
    const [row] = await cluster.standby.sql<{ counter: string }>(`SELECT counter FROM ${schema}.sessions WHERE id = $1`, [sessionId]);
    expect(Number(row!.counter)).toBe(3);

    // Single use still holds: token 2 again is the immediate parent (same successor, within the
    // reuse interval); token 1, from the lost stretch, is reuse and revokes the session.
    const again = await refresh(server.authUrl, two.body.refresh_token);
    expect(again.body.refresh_token).toBe(three.body.refresh_token);
    const stale = await refresh(server.authUrl, one.body.refresh_token);
    expect([stale.status, stale.body.code]).toEqual([400, 'refresh_token_already_used']);
    expect((await refresh(server.authUrl, three.body.refresh_token)).body.code).toBe('session_not_found');
  });
});
