/**
 * Regression (security review): postgresLock and postgresStore on one small pool. Each lock
 * holder keeps a connection and then needs another for the store; with as many due sessions as
 * connections, the pool used to deadlock for good. The lock now leaves the store half the pool.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTokenHandler, postgresLock, postgresStore } from '../../src/bff/index.js';
import { POSTGRES_URL, unique } from '../support/services.js';

const table = unique('lk_ssr_pool');
const sequence = unique('lk_ssr_pool_fence');
let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
});
afterAll(async () => {
  await pool.query(`DROP SEQUENCE IF EXISTS ${sequence}`);
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
});

it('as many due sessions as pool connections, refreshing at once, all complete and the pool stays usable', async () => {
  const store = postgresStore(pool, { table });
  let refreshes = 0;
  const fakeAuth = (async () => {
    refreshes++;
    const body = {
      access_token: `a${refreshes}`,
      refresh_token: `r${refreshes}`,
      token_type: 'bearer',
      expires_in: 3600,
      user: { id: 'u' },
    };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const bff = createTokenHandler({
    authUrl: 'http://auth.invalid/auth/v1',
    store,
    lock: postgresLock(pool, { sequence }),
    fetch: fakeAuth,
    cookie: { secure: false },
  });
  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const id = randomBytes(32).toString('base64url');
    const key = createHash('sha256').update(id).digest('base64url');
    const session = {
      access_token: 'old',
      refresh_token: `old${i}`,
      token_type: 'bearer',
      expires_in: 3600,
      expires_at: Math.floor(now / 1000) - 10,
      user: { id: `u${i}` },
    };
    await store.create(key, { session, createdAt: now, expiresAt: now + 3_600_000 } as never);
    ids.push(id);
  }
  const results = await Promise.race([
    Promise.all(
      ids.map((id) => bff.getAccessToken(new Request('http://app.test/api/x', { headers: { cookie: `latchkey-session=${id}` } }))),
    ),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000)),
  ]);
  expect(results).not.toBe('hung');
  expect((results as Array<{ error: unknown }>).every((r) => r.error === null)).toBe(true);
  expect(refreshes).toBe(8);
  await expect(pool.query('SELECT 1')).resolves.toBeTruthy();
});
