/** The Redis lock: the lock contract, expiry, owner-only release, and fencing against a late holder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLock, redisStore } from '../../../src/bff/index.js';
import { lockContract } from '../../support/lock-contract.js';
import { record } from '../../support/records.js';
import { connectRedis, dropPrefix, type TestRedis } from '../../support/redis.mjs';
import { REDIS_URL, unique } from '../../support/services.js';

const prefix = `${unique('lk_ssr_lock')}:`;
let redis: TestRedis;

beforeAll(async () => {
  redis = await connectRedis(REDIS_URL);
});
afterAll(async () => {
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe('redisLock', () => {
  lockContract(({ ttl, wait }) => redisLock(redis, { prefix, ttl, wait }));

  it('a holder that never releases (crashed) blocks the key only until the lock expires', async () => {
    const lock = redisLock(redis, { prefix, ttl: 400, wait: 3_000 });
    const crashed = await lock.acquire('k-expiry');
    expect(crashed.validUntil).toBeLessThanOrEqual(Date.now() + 400);
    const started = Date.now();
    const next = await lock.acquire('k-expiry');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(1_500);
    expect(next.fence).toBeGreaterThan(crashed.fence);
    await crashed.release(); // late: its lock is gone; this must not release the new holder's
    await expect(redisLock(redis, { prefix, ttl: 400, wait: 150 }).acquire('k-expiry')).rejects.toMatchObject({ code: 'lock_timeout' });
    await next.release();
  });

  it('a late holder with a stale fence cannot overwrite the record a newer holder wrote', async () => {
    const lock = redisLock(redis, { prefix, ttl: 300, wait: 3_000 });
    const store = redisStore(redis, { prefix });
    const now = Date.now();
    await store.create('k-fence', record(now, 'signed-in'));
    const stalled = await lock.acquire('k-fence'); // stalls past its expiry (a GC pause, a slow network)
    const newer = await lock.acquire('k-fence');
    expect(await store.update('k-fence', record(now, 'newer'), newer.fence)).toBe(true);
    await newer.release();
    expect(await store.update('k-fence', record(now, 'stalled'), stalled.fence)).toBe(false);
    expect((await store.get('k-fence'))?.record.session.access_token).toBe('access-newer');
  });
});
