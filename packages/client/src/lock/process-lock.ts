/**
 * The in-process lock: a promise queue per name. It is the fallback where Web Locks do not exist
 * (Node, React Native, old browsers) and serialises every client of this JavaScript realm that
 * shares a storage key — including copies of this package loaded twice, since the queues live
 * under a registered symbol on `globalThis`.
 */
import type { Lock } from './types.js';

const REGISTRY = Symbol.for('latchkey.client.process-locks');

function queues(): Map<string, Promise<void>> {
  const holder = globalThis as { [REGISTRY]?: Map<string, Promise<void>> };
  return (holder[REGISTRY] ??= new Map());
}

/**
 * A lock shared by every client in this JavaScript realm (a tab, a worker, a Node process).
 * No time-out is needed: what runs under it is bounded by the request time-out.
 *
 * @example
 * const auth = createClient({ url, lock: processLock() });
 */
export function processLock(): Lock {
  return {
    run<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const map = queues();
      const result = (map.get(name) ?? Promise.resolve()).then(fn);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      map.set(name, tail);
      void tail.then(() => {
        if (map.get(name) === tail) map.delete(name);
      });
      return result;
    },
  };
}
