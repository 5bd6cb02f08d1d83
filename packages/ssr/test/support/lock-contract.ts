/** What every SessionLock must do, run by each lock's test file against its own lock. */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { isSsrError, type SessionLock } from '../../src/bff/index.js';

export function lockContract(make: (options: { ttl: number; wait: number }) => SessionLock): void {
  const key = () => randomBytes(32).toString('base64url');
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('admits one holder of a key at a time, however many contend', async () => {
    const lock = make({ ttl: 5_000, wait: 5_000 });
    const k = key();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 15 }, async () => {
        const lease = await lock.acquire(k);
        inside++;
        most = Math.max(most, inside);
        await pause(3);
        inside--;
        await lease.release();
      }),
    );
    expect(most).toBe(1);
  });

  it('does not make different keys wait for each other', async () => {
    const lock = make({ ttl: 5_000, wait: 300 });
    const held = await lock.acquire(key());
    const other = await lock.acquire(key()); // would time out if keys shared a lock
    await other.release();
    await held.release();
  });

  it('hands out fences larger than every earlier one', async () => {
    const lock = make({ ttl: 5_000, wait: 5_000 });
    const fences: number[] = [];
    for (const k of [key(), key(), key()]) {
      for (let i = 0; i < 2; i++) {
        const lease = await lock.acquire(k);
        fences.push(lease.fence);
        await lease.release();
      }
    }
    expect(fences.every((fence, i) => i === 0 || fence > fences[i - 1]!)).toBe(true);
  });

  it('gives up with lock_timeout when the lock is not free in time', async () => {
    const lock = make({ ttl: 5_000, wait: 200 });
    const k = key();
    const held = await lock.acquire(k);
    const started = Date.now();
    const error = await lock.acquire(k).catch((e: unknown) => e);
    expect(isSsrError(error, 'lock_timeout')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await held.release();
    const again = await lock.acquire(k); // released: free at once
    await again.release();
  });

  it('release is idempotent', async () => {
    const lock = make({ ttl: 5_000, wait: 300 });
    const k = key();
    const lease = await lock.acquire(k);
    await lease.release();
    await lease.release();
    const next = await lock.acquire(k);
    await lease.release(); // the old lease again: must not free the new holder's lock
    const error = await make({ ttl: 5_000, wait: 100 })
      .acquire(k)
      .catch((e: unknown) => e);
    // Separate lock objects over one backend share the lock (memory locks are per object: skip).
    if (isSsrError(error)) expect(error.code).toBe('lock_timeout');
    await next.release();
  });
}
