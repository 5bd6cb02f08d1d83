/**
 * The multi-process BFF suite, run once with Redis (store and lock) and once with Postgres: a real
 * `latchkey serve` on Postgres with 4-second access tokens, three BFF processes (node, the built
 * package) sharing the store and lock, and refreshes counted at the auth server (`/metrics`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSessions, refreshCounts, signUp } from './auth-server.js';
import { Browser } from './browser.js';
import { hangingRefreshProxy } from './hanging-proxy.js';
import { startAuthProcess, startScript, sleep, type NodeProcess } from './processes.js';
import { dropPrefix, connectRedis } from './redis.mjs';
import { PASSWORD, POSTGRES_URL, REDIS_URL, unique } from './services.js';

const APP = 'https://app.example';
/**
 * Access tokens live 4 s and the BFFs refresh 0.5 s before expiry: once refreshed, a token stays
 * fresh for 3.5 s, so a slow burst on a loaded 2-core machine never meets a second, legitimate
 * refresh (which would make "exactly one" flaky for the wrong reason).
 */
const JWT_EXP_S = 4;
const REFRESH_MARGIN_MS = 500;
/** Short, so the crashed-holder test waits little; long enough that a refresh under load ends before it. */
const LOCK_TTL_MS = 4_000;

export function bffFleetSuite(kind: 'redis' | 'postgres'): void {
  describe(`three BFF processes sharing ${kind === 'redis' ? 'Redis' : 'Postgres'}`, () => {
    let auth: Awaited<ReturnType<typeof startAuthProcess>>;
    let fleet: NodeProcess[] = [];
    const extra: NodeProcess[] = [];
    const prefix = `${unique('lk_ssr_fleet')}:`;
    const table = unique('lk_ssr_fleet');
    const sequence = unique('lk_ssr_fleet_fence');
    const env = () => ({
      AUTH_URL: auth.authUrl,
      APP_ORIGIN: APP,
      BFF_STORE: kind,
      BFF_LOCK_TTL: String(LOCK_TTL_MS),
      BFF_REFRESH_MARGIN: String(REFRESH_MARGIN_MS),
      REDIS_URL,
      BFF_PREFIX: prefix,
      PG_URL: POSTGRES_URL,
      BFF_TABLE: table,
      BFF_SEQUENCE: sequence,
    });

    beforeAll(async () => {
      auth = await startAuthProcess(JWT_EXP_S);
      fleet = await Promise.all([0, 1, 2].map(() => startScript('bff-server.mjs', env())));
    });
    afterAll(async () => {
      await Promise.all([...fleet, ...extra].map((p) => p.kill('SIGKILL')));
      if (kind === 'redis') {
        const redis = await connectRedis(REDIS_URL);
        await dropPrefix(redis, prefix);
        await redis.quit();
      } else {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP TABLE IF EXISTS ${table}`);
        await client.query(`DROP SEQUENCE IF EXISTS ${sequence}`);
        await client.end();
      }
      await auth?.stop();
    });

    /**
     * Signs a new user in through `via`; with `expire`, resolves once the access token has expired
     * (in real time: the processes cannot share a test clock).
     */
    async function session(via: NodeProcess, expire = true): Promise<{ browser: Browser; userId: string }> {
      const { email, user } = await signUp(auth.authUrl);
      const browser = new Browser();
      const response = await fetch(`${via.url}/auth/sign-in`, {
        method: 'POST',
        headers: { origin: APP, 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(response.status).toBe(200);
      browser.receive(response);
      const { expires_at } = (await response.json()) as { expires_at: number };
      if (expire) await sleep(Math.max(0, expires_at * 1000 - Date.now()) + 250);
      return { browser, userId: user.id };
    }

    const me = (via: NodeProcess, browser: Browser) => fetch(`${via.url}/api/me`, { headers: { cookie: browser.header() } });

    it('100 concurrent requests with an expired access token, spread over the processes: exactly one refresh at the auth server, 100 successes', async () => {
      const { browser, userId } = await session(fleet[0]!);
      const before = await refreshCounts(auth.authUrl, auth.secretKey);
      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => me(fleet[i % 3]!, browser)));
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as { id?: string }[];
      expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(new Set(bodies.map((b) => b.id))).toEqual(new Set([userId]));
      const after = await refreshCounts(auth.authUrl, auth.secretKey);
      expect(after.rotated - before.rotated).toBe(1);
      expect(after.replayed - before.replayed).toBe(0);
      expect(after.reuse - before.reuse).toBe(0);
    });

    it('a lock holder killed (SIGKILL) mid-refresh, after the auth server rotated the token: the next request succeeds once the lock is free', async () => {
      const proxy = await hangingRefreshProxy(auth.authUrl);
      try {
        const holder = await startScript('bff-server.mjs', { ...env(), AUTH_URL: proxy.authUrl, API_URL: auth.authUrl });
        extra.push(holder);
        const { browser, userId } = await session(fleet[0]!);
        const before = await refreshCounts(auth.authUrl, auth.secretKey);
        const doomed = me(holder, browser).catch(() => 'killed');
        expect(await proxy.refreshSeen).toBe(200); // the holder has the lock, and the token rotated
        await holder.kill('SIGKILL');
        expect(await doomed).toBe('killed');

        const started = Date.now();
        const response = await me(fleet[1]!, browser);
        const waited = Date.now() - started;
        expect(response.status).toBe(200);
        expect(((await response.json()) as { id: string }).id).toBe(userId);
        if (kind === 'redis') {
          // The dead holder's key blocks until its TTL runs out, and not much longer.
          expect(waited).toBeGreaterThanOrEqual(LOCK_TTL_MS / 2);
          expect(waited).toBeLessThan(LOCK_TTL_MS + 2_000);
        } else {
          // Its connection closed with the process: Postgres ended the transaction and the lock at once.
          expect(waited).toBeLessThan(LOCK_TTL_MS / 2);
        }
        const after = await refreshCounts(auth.authUrl, auth.secretKey);
        expect(after.rotated - before.rotated).toBe(1); // the dead holder's
        expect(after.replayed - before.replayed).toBe(1); // the next holder's: same token, same successor
        expect(after.reuse - before.reuse).toBe(0); // the session was not revoked
        const again = await me(fleet[2]!, browser);
        expect(again.status).toBe(200);
      } finally {
        await proxy.close();
      }
    });

    it('sign-out through one process revokes the session at the auth server, for every process', async () => {
      const { browser, userId } = await session(fleet[0]!, false);
      const info = await fetch(`${fleet[1]!.url}/auth/session`, { headers: { cookie: browser.header() } });
      expect(((await info.json()) as { user: { id: string } }).user.id).toBe(userId);
      const live = await liveSessions(auth.authUrl, auth.secretKey, userId);
      const signOut = await fetch(`${fleet[2]!.url}/auth/sign-out`, { method: 'POST', headers: { cookie: browser.header(), origin: APP } });
      expect(signOut.status).toBe(204);
      expect(await liveSessions(auth.authUrl, auth.secretKey, userId)).toBe(live - 1); // revoked there
      for (const p of fleet) expect((await me(p, browser)).status).toBe(401); // and the record is gone here
    });
  });
}
