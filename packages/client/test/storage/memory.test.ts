/** Memory storage: shared by reference, notifying subscribers asynchronously. */
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/storage/memory.js';
import { flush } from '../helpers.js';

describe('memoryStorage', () => {
  it('stores, and notifies subscribers of that key after the write returns (not inline)', async () => {
    const storage = memoryStorage();
    const seen: string[] = [];
    const off = storage.subscribe?.('k', () => seen.push('k')) as () => void;
    storage.subscribe?.('other', () => seen.push('other'));
    void storage.setItem('k', 'v');
    expect(seen).toEqual([]); // not inline: a writer never runs a reader's code synchronously
    await flush();
    expect(seen).toEqual(['k']);
    expect(await storage.getItem('k')).toBe('v');
    off();
    await storage.removeItem('k');
    await flush();
    expect(seen).toEqual(['k']);
  });
});
