/**
 * Where the session is kept. `window.localStorage`, React Native's `AsyncStorage` and any object
 * with these three methods (sync or async) fit as they are.
 */
export interface StorageAdapter {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
  /**
   * Optional: call `onChange` when something else (another tab, another client instance)
   * changes `key`. The client then re-reads the session, so every tab sees a refresh or a
   * sign-out without making its own request.
   */
  subscribe?(key: string, onChange: () => void): () => void;
}
