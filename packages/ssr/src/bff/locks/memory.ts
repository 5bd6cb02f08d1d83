/** An in-process lock: one process only (development, tests, or a single-process BFF). */
import { SsrError } from '../../errors.js';
import type { Lease, SessionLock } from './types.js';

export interface MemoryLockOptions {
  /** Milliseconds to wait for a held lock before `lock_timeout`. Default 10 000. */
  wait?: number;
}

/**
 * A per-key FIFO lock in this process. There is no expiry: a holder cannot crash without taking
 * the whole process (and its waiters) with it, and the token handler bounds what it does inside.
 *
 * @example
 * const bff = createTokenHandler({ authUrl, store: memoryStore(), lock: memoryLock() });
 */
export function memoryLock(options: MemoryLockOptions = {}): SessionLock {
  const wait = options.wait ?? 10_000;
  const queues = new Map<string, (() => void)[]>();
  // Fences start from the clock (ms × 1000), so a restarted process still issues fences above
  // every fence it wrote to a persistent store before (a store refuses writes with older fences).
  let fences = Date.now() * 1000;

  function lease(key: string): Lease {
    let released = false;
    return {
      fence: ++fences,
      validUntil: Number.POSITIVE_INFINITY,
      async release() {
        if (released) return;
        released = true;
        const queue = queues.get(key);
        const next = queue?.shift();
        if (next) next();
        else queues.delete(key);
      },
    };
  }

  return {
    acquire(key) {
      return new Promise<Lease>((resolve, reject) => {
        const queue = queues.get(key);
        if (!queue) {
          queues.set(key, []);
          resolve(lease(key));
          return;
        }
        const waiter = () => {
          clearTimeout(timer);
          resolve(lease(key));
        };
        queue.push(waiter);
        const timer = setTimeout(() => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(new SsrError('lock_timeout'));
        }, wait);
      });
    },
  };
}
