/** The Redis store keeps the store contract, on a real Redis, through an ioredis-shaped client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSsrError, redisStore } from '../../../src/bff/index.js';
import { movableClock, record } from '../../support/records.js';
import { connectRedis, dropPrefix, type TestRedis } from '../../support/redis.mjs';
import { REDIS_URL, unique } from '../../support/services.js';
import { storeContract } from '../../support/store-contract.js';

const prefix = `${unique('lk_ssr_store')}:`;
let redis: TestRedis;

beforeAll(async () => {
  redis = await connectRedis(REDIS_URL);
});
afterAll(async () => {
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe('redisStore', () => {
  storeContract((clock) => redisStore(redis, { prefix, clock }));

  it('expires the key with the session (PX), so Redis forgets ended sessions by itself', async () => {
    const clock = movableClock(Date.now());
    const store = redisStore(redis, { prefix });
    await store.create('k-ttl', record(clock.now(), 'a', 30_000));
    const ttl = await redis.pttl(`${prefix}session:k-ttl`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('reports a Redis failure as store_failed', async () => {
    const broken = redisStore({ eval: () => Promise.reject(new Error('ECONNREFUSED')) });
    expect(isSsrError(await broken.get('k').catch((e: unknown) => e), 'store_failed')).toBe(true);
  });
});
