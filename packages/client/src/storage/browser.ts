/** `localStorage` / `sessionStorage`, with cross-tab change notification from `storage` events. */
import type { StorageAdapter } from './types.js';

/**
 * The browser's `localStorage` (default in browsers) or `sessionStorage`. Nothing is touched
 * until the first read or write, so importing this on a server is safe.
 *
 * @example
 * const auth = createClient({ url, storage: browserStorage('session') }); // one session per tab
 */
export function browserStorage(area: 'local' | 'session' = 'local'): StorageAdapter {
  const storage = (): Storage => (area === 'local' ? globalThis.localStorage : globalThis.sessionStorage);
  return {
    getItem: (key) => storage().getItem(key),
    setItem: (key, value) => storage().setItem(key, value),
    removeItem: (key) => storage().removeItem(key),
    subscribe(key, onChange) {
      if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return () => {};
      // Fired in the *other* tabs of this origin when one writes (null key: storage.clear()).
      const handler = (event: StorageEvent) => {
        if (event.storageArea !== storage()) return;
        if (event.key === null || event.key === key || event.key.startsWith(`${key}.`)) onChange();
      };
      window.addEventListener('storage', handler);
      return () => window.removeEventListener('storage', handler);
    },
  };
}

/** `localStorage` when this runtime has a usable one, else undefined (SSR, workers, Node, privacy modes). */
export function defaultBrowserStorage(): StorageAdapter | undefined {
  try {
    const probe = '__latchkey_probe__';
    globalThis.localStorage.setItem(probe, probe);
    globalThis.localStorage.removeItem(probe);
    return browserStorage('local');
  } catch {
    // Missing (Node 20, React Native), or throwing (sandboxed iframe, blocked storage).
    return undefined;
  }
}
