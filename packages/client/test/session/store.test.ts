/** The session store: persistence, and seeing other instances' changes exactly once. */
import { describe, expect, it } from 'vitest';
import { createSessionStore } from '../../src/session/store.js';
import { memoryStorage } from '../../src/storage/memory.js';
import { flush, session, uniqueKey } from '../helpers.js';

describe('session store', () => {
  it('two stores on one storage (two tabs): a commit in one is reported once, as external, in the other only', async () => {
    const storage = memoryStorage();
    const key = uniqueKey();
    const a = createSessionStore(storage, key);
    const b = createSessionStore(storage, key);
    await a.init();
    await b.init();
    const seenA: boolean[] = [];
    const seenB: [string | undefined, boolean][] = [];
    a.onChange((_p, _n, external) => seenA.push(external));
    b.onChange((_p, next, external) => seenB.push([next?.access_token, external]));
    await a.commit(session(1, 0), true);
    await flush();
    expect(seenA).toEqual([false]);
    expect(seenB).toEqual([['access-1', true]]);
    expect(b.current()?.access_token).toBe('access-1');
    await b.sync(); // nothing new: nothing reported
    expect(seenB).toHaveLength(1);
    a.dispose();
    b.dispose();
  });

  it('a re-read that overlapped a local change is dropped (it would resurrect the old value)', async () => {
    const key = uniqueKey();
    let release!: () => void;
    const values = new Map<string, string>();
    let slow = false;
    const storage = {
      async getItem(k: string) {
        const value = values.get(k) ?? null;
        if (slow) await new Promise<void>((resolve) => (release = resolve));
        return value;
      },
      setItem: (k: string, v: string) => void values.set(k, v),
      removeItem: (k: string) => void values.delete(k),
    };
    const store = createSessionStore(storage, key);
    await store.init();
    await store.commit(session(1, 0), true);
    slow = true;
    const syncing = store.sync(); // reads access-1 ... slowly
    slow = false;
    await store.commit(session(2, 0), true); // meanwhile we move to access-2
    release();
    await syncing;
    expect(store.current()?.access_token).toBe('access-2');
  });

  it('a storage failure on write is storage_failed', async () => {
    const store = createSessionStore(
      {
        getItem: () => null,
        setItem: () => {
          throw new Error('QuotaExceededError');
        },
        removeItem: () => {},
      },
      uniqueKey(),
    );
    await store.init();
    await expect(store.commit(session(1, 0), true)).rejects.toMatchObject({ code: 'storage_failed' });
  });
});
