/**
 * A lock private to one object (one server client, one refresh): a single promise queue.
 *
 * `@latchkey/client`'s default `processLock()` is shared by every client of the process with the
 * same storage key. On a server every request has its own client over its own request's cookies,
 * so that lock would serialise the refreshes of *all* users of the process behind one queue. The
 * cookies of one request are touched by that request's client only, so a private queue suffices;
 * it ignores the lock name (everything of one client goes through one queue).
 */
import type { Lock } from '@latchkey/client';

export function localLock(): Lock {
  let tail: Promise<void> = Promise.resolve();
  return {
    run<T>(_name: string, fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn);
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
}
