/**
 * webLocks against a stand-in LockManager (the real one is exercised in Chromium by
 * test/browser): a frozen holder is taken over after `stealAfter`, without an error.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webLocks } from '../../src/lock/web-locks.js';

/** Enough of the Web Locks API: exclusive mode, `signal` (abort while waiting) and `steal`. */
function fakeLockManager() {
  const held = new Map<string, { release: () => void; reject: (e: unknown) => void }>();
  const queue = new Map<string, (() => void)[]>();
  return {
    request<T>(name: string, options: { signal?: AbortSignal; steal?: boolean }, callback: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const grant = () => {
          let release!: () => void;
          const done = new Promise<void>((r) => (release = r));
          held.set(name, { release, reject });
          callback()
            .then(resolve, reject)
            .finally(() => {
              release();
            });
          void done.then(() => {
            if (held.get(name)?.release === release) {
              held.delete(name);
              queue.get(name)?.shift()?.();
            }
          });
        };
        if (options.steal) {
          const current = held.get(name);
          if (current) current.reject(new DOMException('stolen', 'AbortError'));
          held.delete(name);
          return grant();
        }
        if (!held.has(name)) return grant();
        const waiters = queue.get(name) ?? [];
        queue.set(name, waiters);
        waiters.push(grant);
        options.signal?.addEventListener('abort', () => {
          const index = waiters.indexOf(grant);
          if (index >= 0) waiters.splice(index, 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('webLocks', () => {
  it('waits for a live holder that releases in time', async () => {
    vi.useFakeTimers();
    const locks = fakeLockManager();
    const lock = webLocks({ locks, stealAfter: 1000 });
    const order: string[] = [];
    let release!: () => void;
    const first = lock.run('n', () => new Promise<void>((r) => (release = r)).then(() => void order.push('first')));
    const second = lock.run('n', async () => void order.push('second'));
    await vi.advanceTimersByTimeAsync(500);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('takes over from a holder frozen past stealAfter: no deadlock, no time-out error', async () => {
    vi.useFakeTimers();
    const locks = fakeLockManager();
    const lock = webLocks({ locks, stealAfter: 1000 });
    // A frozen tab: holds the lock and never finishes.
    void lock.run('n', () => new Promise<void>(() => {})).catch(() => {});
    let done = false;
    const waiter = lock
      .run('n', async () => 'refreshed')
      .then((value) => {
        done = true;
        return value;
      });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await waiter).toBe('refreshed');
  });

  it('a holder whose lock is stolen mid-work still returns its own result to its caller', async () => {
    vi.useFakeTimers();
    const locks = fakeLockManager();
    const lock = webLocks({ locks, stealAfter: 1000 });
    let finish!: (v: string) => void;
    const slow = lock.run('n', () => new Promise<string>((r) => (finish = r)));
    const thief = lock.run('n', async () => 'thief');
    await vi.advanceTimersByTimeAsync(1000);
    expect(await thief).toBe('thief');
    finish('slow-result');
    expect(await slow).toBe('slow-result');
  });
});
