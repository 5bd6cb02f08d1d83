import { describe, expect, it } from 'vitest';
import type { KeyEntry } from '../../src/lib/keys.js';
import { TokenCache } from '../../src/lib/token-cache.js';

const key = { kid: 'k' } as KeyEntry;
const entry = (n: number) => ({ claims: { n }, exp: n, key });

describe('TokenCache', () => {
  it('returns what was stored, and forgets what was deleted', () => {
    const cache = new TokenCache<{ n: number }>(10);
    cache.set('a', entry(1));
    expect(cache.get('a')?.claims).toEqual({ n: 1 });
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });

  it('never holds more than maxEntries, evicting the oldest first', () => {
    const cache = new TokenCache<{ n: number }>(3);
    for (let i = 0; i < 10; i++) cache.set(`t${i}`, entry(i));
    expect(cache.size).toBe(3);
    expect(cache.get('t6')).toBeUndefined();
    expect([7, 8, 9].map((i) => cache.get(`t${i}`)?.exp)).toEqual([7, 8, 9]);
  });

  it('does not evict when a stored token is stored again', () => {
    const cache = new TokenCache<{ n: number }>(2);
    cache.set('a', entry(1));
    cache.set('b', entry(2));
    cache.set('b', entry(3));
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('b')?.exp).toBe(3);
  });
});
