/** browserStorage: lazy access (SSR-safe), and storage events filtered to our key. */
import { afterEach, describe, expect, it } from 'vitest';
import { browserStorage, defaultBrowserStorage } from '../../src/storage/browser.js';

const g = globalThis as any;
afterEach(() => {
  delete g.window;
  delete g.localStorage;
});

function fakeLocalStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (k: string) => values.get(k) ?? null,
    setItem: (k: string, v: string) => void values.set(k, v),
    removeItem: (k: string) => void values.delete(k),
  };
}

describe('browserStorage', () => {
  it('touches nothing until used: creating it without a window is safe', () => {
    expect(() => browserStorage('local')).not.toThrow();
    expect(defaultBrowserStorage()).toBeUndefined();
  });

  it('reads and writes localStorage, and reports storage events for its key and chunks only', () => {
    const area = fakeLocalStorage();
    g.localStorage = area;
    const target = new EventTarget();
    g.window = { addEventListener: target.addEventListener.bind(target), removeEventListener: target.removeEventListener.bind(target) };
    const storage = browserStorage('local');
    storage.setItem('k', 'v');
    expect(area.getItem('k')).toBe('v');
    let changes = 0;
    const off = storage.subscribe?.('k', () => changes++) as () => void;
    const fire = (key: string | null, storageArea: unknown = area) =>
      target.dispatchEvent(Object.assign(new Event('storage'), { key, storageArea }));
    fire('k');
    fire('k.1');
    fire(null);
    fire('kk');
    fire('k', {});
    expect(changes).toBe(3);
    off();
    fire('k');
    expect(changes).toBe(3);
    expect(defaultBrowserStorage()).toBeDefined();
  });
});
