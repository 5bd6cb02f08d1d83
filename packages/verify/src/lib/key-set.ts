/**
 * Where a verifier finds the key a token's `kid` names. Two sources: keys given in options
 * (static) and a remote JWKS (`remote-key-set.ts`).
 */
import type { KeyEntry } from './keys.js';

export interface KeySet {
  /**
   * The key for `kid` if the set is fresh and holds it, synchronously; never fetches. The token
   * cache uses it to confirm a cached token's key is still published.
   */
  current(kid: string, nowMs: number): KeyEntry | undefined;
  /** The key for `kid`, fetching when needed; undefined when no such key is published. */
  lookup(kid: string, nowMs: number): KeyEntry | undefined | Promise<KeyEntry | undefined>;
}

/** Keys given in options: always fresh, never fetched. */
export class StaticKeySet implements KeySet {
  readonly #keys: ReadonlyMap<string, KeyEntry>;

  constructor(entries: readonly KeyEntry[]) {
    this.#keys = new Map(entries.map((entry) => [entry.kid, entry]));
  }

  current(kid: string): KeyEntry | undefined {
    return this.#keys.get(kid);
  }

  lookup(kid: string): KeyEntry | undefined {
    return this.#keys.get(kid);
  }
}
