/**
 * Verified tokens, so a token presented on every request of a session costs one map lookup
 * instead of one ECDSA verification.
 *
 * Only tokens that passed every check are stored, so an attacker cannot fill the cache with
 * forgeries; the size bound holds anyway (oldest entry evicted first). An entry never outlives
 * its token: the caller checks `exp` on every hit, with the same rule a fresh verification uses,
 * and checks that the key that verified it is still published.
 *
 * Keyed by the token string itself: hashing it first would cost more than the rest of a hit.
 * The process already holds each token while serving its requests; the cache holds it at most
 * until eviction, and only lets through requests a fresh verification would also let through.
 */
import type { KeyEntry } from './keys.js';

export interface CachedToken<Claims> {
  readonly claims: Claims;
  /** The token's `exp`, seconds since the epoch. */
  readonly exp: number;
  /** The key that verified the signature. */
  readonly key: KeyEntry;
}

export class TokenCache<Claims> {
  readonly #entries = new Map<string, CachedToken<Claims>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string): CachedToken<Claims> | undefined {
    return this.#entries.get(token);
  }

  set(token: string, entry: CachedToken<Claims>): void {
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(token)) {
      // Insertion order: the first key is the oldest entry.
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, entry);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }
}
