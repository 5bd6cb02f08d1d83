/** Chunking: split on code points within the size limit, reassembled exactly, stale chunks removed. */
import { describe, expect, it } from 'vitest';
import { chunkedStorage, splitValue } from '../../src/storage/chunks.js';
import { memoryStorage } from '../../src/storage/memory.js';

const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe('chunks', () => {
  it('splits by UTF-8 bytes without breaking multi-byte characters or surrogate pairs', () => {
    const value = 'aé€😀'.repeat(50);
    const chunks = splitValue(value, 64, 'utf8');
    expect(chunks.join('')).toBe(value);
    expect(chunks.every((c) => utf8(c) <= 64)).toBe(true);
    expect(chunks.every((c) => !/[\uD800-\uDBFF]$/.test(c))).toBe(true);
  });

  it('splits by percent-encoded length for cookies', () => {
    const value = JSON.stringify({ a: '"; ,'.repeat(100) });
    const chunks = splitValue(value, 100, 'uri');
    expect(chunks.join('')).toBe(value);
    expect(chunks.every((c) => encodeURIComponent(c).length <= 100)).toBe(true);
  });

  it('round-trips small and large values, and a shrinking value leaves no stale chunks', async () => {
    const raw = memoryStorage();
    const store = chunkedStorage(raw, { chunkSize: 100 });
    const big = 'x'.repeat(450);
    await store.setItem('k', big);
    expect(await store.getItem('k')).toBe(big);
    expect(await raw.getItem('k.4')).toBe('x'.repeat(50));
    await store.setItem('k', 'y'.repeat(150));
    expect(await store.getItem('k')).toBe('y'.repeat(150));
    expect(await raw.getItem('k.2')).toBeNull();
    await store.setItem('k', 'small');
    expect(await raw.getItem('k')).toBe('small');
    expect(await raw.getItem('k.0')).toBeNull();
    await store.setItem('k', big);
    await store.removeItem('k');
    for (const key of ['k', 'k.0', 'k.1', 'k.4']) expect(await raw.getItem(key)).toBeNull();
  });

  it('a missing chunk reads as no value, never as a truncated one', async () => {
    const raw = memoryStorage();
    const store = chunkedStorage(raw, { chunkSize: 100 });
    await store.setItem('k', 'x'.repeat(300));
    await raw.removeItem('k.1');
    expect(await store.getItem('k')).toBeNull();
  });

  it('refuses a chunk size too small to be useful, with a coded error', () => {
    expect(() => chunkedStorage(memoryStorage(), { chunkSize: 10 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
