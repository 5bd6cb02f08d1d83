/** Expo SecureStore (iOS Keychain / Android Keystore), chunked under its 2048-byte value limit. */
import { chunkedStorage } from './chunks.js';
import type { StorageAdapter } from './types.js';

/** The part of `expo-secure-store` the adapter uses. */
export interface SecureStoreLike {
  getItemAsync(key: string): Promise<string | null>;
  setItemAsync(key: string, value: string): Promise<void>;
  deleteItemAsync(key: string): Promise<void>;
}

/**
 * Keeps the session in Expo SecureStore. Values over 2048 bytes (SecureStore's documented limit;
 * a session with its user usually is) are split across keys. Keys must match `[A-Za-z0-9._-]+`,
 * which the default storage key does.
 *
 * @example
 * import * as SecureStore from 'expo-secure-store';
 * const auth = createClient({ url, storage: secureStoreStorage(SecureStore) });
 */
export function secureStoreStorage(secureStore: SecureStoreLike, options: { chunkSize?: number } = {}): StorageAdapter {
  return chunkedStorage(
    {
      getItem: (key) => secureStore.getItemAsync(key),
      setItem: (key, value) => secureStore.setItemAsync(key, value),
      removeItem: (key) => secureStore.deleteItemAsync(key),
    },
    { chunkSize: options.chunkSize ?? 2048, measure: 'utf8' },
  );
}
