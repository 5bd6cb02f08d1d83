/**
 * A remote JWKS (the auth server's `/.well-known/jwks.json`), cached.
 *
 * - One fetch at a time, shared by every caller waiting for it (single-flight).
 * - Fresh for `maxAgeMs` after a successful fetch; the first lookup after that refetches, so a
 *   key the auth server removed stops verifying once the cache turns over.
 * - An unknown `kid` triggers a refetch (a key published after our last fetch), at most one
 *   per `cooldownMs`: tokens with random kids cannot make us hammer the auth server.
 * - When a fetch fails, the last good keys keep serving (the auth server being down must not
 *   take every API down with it) and no fetch is attempted for `cooldownMs` — for at most
 *   `maxStaleMs` past `maxAgeMs`: then `jwks_unavailable`, so a key removed from the JWKS cannot
 *   verify indefinitely because its removal could not be fetched.
 * - Keys are imported once: a refetch that returns the same key material under the same kid
 *   keeps the same KeyEntry (and KeyObject).
 */
import { VerifyError } from '../errors.js';
import { fetchJson } from './fetch-json.js';
import type { KeySet } from './key-set.js';
import { importJwk, type Jwk, type KeyEntry } from './keys.js';

export interface RemoteKeySetOptions {
  url: string;
  maxAgeMs: number;
  cooldownMs: number;
  timeoutMs: number;
  /** How long past maxAgeMs stale keys may serve while fetches fail. */
  maxStaleMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

// A JWKS is a few keys; anything near this size is not one.
const MAX_JWKS_BYTES = 256 * 1024;

export class RemoteKeySet implements KeySet {
  readonly #options: RemoteKeySetOptions;
  #keys: Map<string, KeyEntry> | undefined;
  /** When the keys were last fetched successfully. */
  #fetchedAt = -Infinity;
  /** When the last refetch for an unknown kid started. */
  #kidRefetchAt = -Infinity;
  /** When the last failed attempt started. */
  #failedAt = -Infinity;
  #inflight: Promise<void> | undefined;
  #lastError: unknown;

  constructor(options: RemoteKeySetOptions) {
    this.#options = options;
  }

  current(kid: string, nowMs: number): KeyEntry | undefined {
    return this.#keys !== undefined && nowMs - this.#fetchedAt < this.#options.maxAgeMs ? this.#keys.get(kid) : undefined;
  }

  lookup(kid: string, nowMs: number): KeyEntry | undefined | Promise<KeyEntry | undefined> {
    const { maxAgeMs, cooldownMs } = this.#options;
    const keys = this.#keys;
    if (keys !== undefined && nowMs - this.#fetchedAt < maxAgeMs) {
      const entry = keys.get(kid);
      if (entry) return entry;
      // Unknown kid: perhaps a key published since our fetch. Join a fetch in flight; start one
      // only if the last unknown-kid refetch is a cooldown old, so an attacker spraying random
      // kids gets one fetch per cooldown in total, not one per token.
      if (this.#inflight) return this.#inflight.then(() => this.#keys?.get(kid));
      if (nowMs - this.#kidRefetchAt < cooldownMs) return undefined;
      this.#kidRefetchAt = nowMs;
      return this.#refresh(nowMs).then(() => this.#keys?.get(kid));
    }
    // Never fetched, or stale. After a failed attempt nothing is fetched for a cooldown: a down
    // auth server is not hammered by every request that arrives meanwhile.
    if (!this.#inflight && nowMs - this.#failedAt < cooldownMs) {
      // Serve the stale keys while the auth server is down; without any, there is no answer.
      if (this.#servable(nowMs)) return keys!.get(kid);
      throw this.#unavailable();
    }
    return (this.#inflight ?? this.#refresh(nowMs)).then(() => {
      // After a failed refetch the stale keys serve: the auth server is down, not the keys wrong.
      if (!this.#servable(nowMs)) throw this.#unavailable();
      return this.#keys!.get(kid);
    });
  }

  /** Keys to answer from: fresh ones, or stale ones no more than maxStaleMs past their maxAge. */
  #servable(nowMs: number): boolean {
    // (A fetch that succeeded while this lookup waited has a fetchedAt after nowMs: fresh.)
    return this.#keys !== undefined && nowMs - this.#fetchedAt < this.#options.maxAgeMs + this.#options.maxStaleMs;
  }

  #unavailable(): VerifyError {
    return new VerifyError('jwks_unavailable', undefined, { cause: this.#lastError });
  }

  #refresh(nowMs: number): Promise<void> {
    const attempt = this.#fetch().then(
      (keys) => {
        this.#keys = keys;
        this.#fetchedAt = this.#options.now();
        this.#lastError = undefined;
      },
      (error: unknown) => {
        this.#lastError = error;
        this.#failedAt = nowMs;
      },
    );
    this.#inflight = attempt.finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<Map<string, KeyEntry>> {
    const { status, body } = await fetchJson(this.#options.url, { timeoutMs: this.#options.timeoutMs, maxBytes: MAX_JWKS_BYTES });
    if (status !== 200) throw new Error(`JWKS answered ${status}`);
    const list = (body as { keys?: unknown } | undefined)?.keys;
    if (!Array.isArray(list)) throw new Error('JWKS response has no "keys" array');
    const keys = new Map<string, KeyEntry>();
    for (const jwk of list as Jwk[]) {
      const previous = typeof jwk?.kid === 'string' ? this.#keys?.get(jwk.kid) : undefined;
      const entry = importJwk(jwk, previous);
      // Keys that cannot verify (symmetric, encryption, unknown type) are skipped, not fatal:
      // a JWKS may legitimately publish keys for other uses. First key wins a duplicate kid.
      if (typeof entry !== 'string' && !keys.has(entry.kid)) keys.set(entry.kid, entry);
    }
    return keys;
  }
}
