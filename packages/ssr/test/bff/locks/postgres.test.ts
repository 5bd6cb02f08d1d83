/**
 * The Postgres advisory lock: the lock contract, a lost holder connection frees the lock at once,
 * a silent holder is cut off after `ttl` (without crashing this process), fencing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresLock, postgresStore, type PgPoolLike } from '../../../src/bff/index.js';
import { lockContract } from '../../support/lock-contract.js';
import { record } from '../../support/records.js';
import { POSTGRES_URL, unique } from '../../support/services.js';

const sequence = unique('lk_ssr_fence');
const table = unique('lk_ssr_lockstore');
let pool: pg.Pool;

/** The pool, recording the backend pid of each connection it hands the lock. */
function watched(): { pool: PgPoolLike; pids: number[] } {
  const pids: number[] = [];
  return {
    pids,
    pool: {
      async connect() {
        const connection = await pool.connect();
        pids.push((connection as unknown as { processID: number }).processID);
        return connection;
      },
    },
  };
}

beforeAll(() => {
  pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 20 });
});
afterAll(async () => {
  await pool.query(`DROP SEQUENCE IF EXISTS ${sequence}`);
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
});

describe('postgresLock', () => {
  lockContract(({ ttl, wait }) => postgresLock(pool, { ttl, wait, sequence }));

  it('a holder whose connection dies (a crashed process) frees the lock at once', async () => {
    const { pool: spy, pids } = watched();
    const lock = postgresLock(spy, { ttl: 10_000, wait: 5_000, sequence });
    const crashed = await lock.acquire('k-crash');
    await pool.query('SELECT pg_terminate_backend($1)', [pids[0]]);
    const started = Date.now();
    const next = await lock.acquire('k-crash');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(next.fence).toBeGreaterThan(crashed.fence);
    await crashed.release(); // must not throw, nor touch the new holder
    await next.release();
  });

  it('a holder that goes silent is cut off by Postgres after ttl, and the error does not crash the process', async () => {
    const lock = postgresLock(pool, { ttl: 400, wait: 5_000, sequence });
    const silent = await lock.acquire('k-hang');
    const started = Date.now();
    const next = await lock.acquire('k-hang');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(3_000);
    await silent.release();
    await next.release();
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1); // the pool is healthy
  });

  it('a late holder with a stale fence cannot overwrite the record a newer holder wrote', async () => {
    const lock = postgresLock(pool, { ttl: 300, wait: 5_000, sequence });
    const store = postgresStore(pool, { table });
    const now = Date.now();
    await store.create('k-fence', record(now, 'signed-in'));
    const stalled = await lock.acquire('k-fence');
    const newer = await lock.acquire('k-fence'); // after Postgres cut the stalled holder off
    expect(await store.update('k-fence', record(now, 'newer'), newer.fence)).toBe(true);
    await newer.release();
    expect(await store.update('k-fence', record(now, 'stalled'), stalled.fence)).toBe(false);
    expect((await store.get('k-fence'))?.record.session.access_token).toBe('access-newer');
    await stalled.release();
  });
});
