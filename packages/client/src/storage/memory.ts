/** In-memory storage: the default where no persistent storage exists (Node, workers). */
import type { StorageAdapter } from './types.js';

/**
 * Keeps the session in memory. Two clients given the same `memoryStorage()` share a session the
 * way two browser tabs share `localStorage`, change notifications included.
 *
 * @example
 * const storage = memoryStorage();
 * const auth = createClient({ url, storage });
 */
export function memoryStorage(): StorageAdapter {
  const values = new Map<string, string>();
  const listeners = new Set<{ key: string; onChange: () => void }>();
  const notify = (key: string) => {
    // Asynchronous, like a browser's storage event: a writer never runs a reader's code inline.
    queueMicrotask(() => {
      for (const listener of [...listeners]) if (listener.key === key) listener.onChange();
    });
  };
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem(key, value) {
      values.set(key, value);
      notify(key);
    },
    removeItem(key) {
      if (values.delete(key)) notify(key);
    },
    subscribe(key, onChange) {
      const listener = { key, onChange };
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
