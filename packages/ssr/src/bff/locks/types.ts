/** What a token-handler lock must do. Postgres advisory, Redis and in-process locks ship. */

/** A held lock. */
export interface Lease {
  /**
   * A fencing token: larger than that of every earlier holder of any key of this lock. Writes
   * carry it, and the store refuses a write whose fence is not newer than the stored one.
   */
  fence: number;
  /**
   * Until when (ms since the epoch, this process's clock) the lock is surely held. Past it the
   * lock may expire and another process take it; the holder finishes its work before.
   */
  validUntil: number;
  /** Releases the lock if this lease still holds it (never someone else's). Never rejects. */
  release(): Promise<void>;
}

/**
 * Mutual exclusion per session key across processes, with expiry (a holder that crashes or hangs
 * blocks the session at most until then) and fencing tokens.
 */
export interface SessionLock {
  /** Waits for the lock of `key`; rejects with `SsrError('lock_timeout')` when it is not free in time. */
  acquire(key: string): Promise<Lease>;
}
