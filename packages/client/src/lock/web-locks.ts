/**
 * The cross-tab lock: the Web Locks API (`navigator.locks`), so only one tab of an origin
 * refreshes at a time.
 *
 * No lock time-out error, ever. A tab that is closed releases its locks (the browser does it).
 * A tab frozen while holding the lock (background tab freezing, a suspended mobile browser)
 * would block the others indefinitely, so a waiter that has waited `stealAfter` ms takes the lock
 * over (`steal: true`) and goes on. Stealing is safe here because of what the lock protects: a
 * holder keeps it for one refresh request at most (5 s time-out), so a longer wait means a frozen
 * holder; and if that holder's request did reach the server, the server answers the same refresh
 * token with the same successor for its reuse interval (10 s by default), so the thief's request
 * converges on the same token chain instead of looking like theft. `stealAfter` must therefore
 * stay below the server's reuse interval.
 */
import { LatchkeyError } from '../errors.js';
import type { Lock } from './types.js';

interface LockManagerLike {
  request<T>(name: string, options: { signal?: AbortSignal; steal?: boolean }, callback: () => Promise<T>): Promise<T>;
}

export interface WebLocksOptions {
  /** Milliseconds to wait for a held lock before taking it over. Default 6000. */
  stealAfter?: number;
  /** The lock manager; default `navigator.locks`. */
  locks?: LockManagerLike;
}

/** The runtime's Web Locks manager, if it has one. */
export function webLockManager(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : undefined;
}

/**
 * A lock shared by every tab and worker of the origin, through `navigator.locks`.
 *
 * @example
 * const auth = createClient({ url, lock: webLocks({ stealAfter: 4000 }) });
 */
export function webLocks(options: WebLocksOptions = {}): Lock {
  const stealAfter = options.stealAfter ?? 6000;
  return {
    async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const locks = options.locks ?? webLockManager();
      if (!locks) throw new LatchkeyError('invalid_argument', 'Web Locks are not available here; use processLock().');
      let work: Promise<T> | undefined;
      // Whatever happens to the lock after it was granted (stolen by a tab that judged us frozen),
      // the work already started runs to its end and its result is what the caller gets.
      const start = () => (work ??= fn());
      const waiting = new AbortController();
      const timer = setTimeout(() => waiting.abort(), stealAfter);
      try {
        return await locks.request(name, { signal: waiting.signal }, () => {
          clearTimeout(timer);
          return start();
        });
      } catch (error) {
        if (work) return work;
        if (!waiting.signal.aborted) throw error;
        return locks.request(name, { steal: true }, start);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
