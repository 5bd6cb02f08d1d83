/** SecureStore: values over its 2048-byte limit are chunked (a fake store enforces the limit). */
import { describe, expect, it } from 'vitest';
import { secureStoreStorage } from '../../src/storage/secure-store.js';

function fakeSecureStore() {
  const values = new Map<string, string>();
  return {
    values,
    getItemAsync: async (key: string) => values.get(key) ?? null,
    async setItemAsync(key: string, value: string) {
      if (!/^[\w.-]+$/.test(key)) throw new Error(`invalid key ${key}`);
      if (new TextEncoder().encode(value).length > 2048) throw new Error('value over 2048 bytes');
      values.set(key, value);
    },
    deleteItemAsync: async (key: string) => void values.delete(key),
  };
}

describe('secureStoreStorage', () => {
  it('stores a 10 kB multi-byte value in ≤ 2048-byte pieces under valid keys, and reads it back', async () => {
    const secure = fakeSecureStore();
    const storage = secureStoreStorage(secure);
    const value = JSON.stringify({ token: 'a'.repeat(4000), name: 'Zoë 😀'.repeat(500) });
    await storage.setItem('latchkey.auth.token', value);
    expect(secure.values.size).toBeGreaterThan(4);
    expect(await storage.getItem('latchkey.auth.token')).toBe(value);
    await storage.removeItem('latchkey.auth.token');
    expect(secure.values.size).toBe(0);
  });
});
