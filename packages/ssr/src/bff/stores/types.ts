/** What a token-handler store must do. Postgres, Redis and memory stores ship; any object of this shape works. */
import type { SessionRecord, StoredRecord } from '../record.js';

/**
 * Server-side session records, under keys that are SHA-256 hashes of the session cookie (the
 * store never sees a cookie value). Writes after sign-in are **fenced**: `update` succeeds only
 * when the fence it carries is newer than the stored one, atomically, so a lock holder that lost
 * its lock (it stalled past the lock's expiry) cannot overwrite what a later holder wrote.
 */
export interface SessionStore {
  /** The record, or null when there is none (or it expired). */
  get(key: string): Promise<StoredRecord | null>;
  /** Stores a new record with fence 0 (sign-in). The store may forget it after `record.expiresAt`. */
  create(key: string, record: SessionRecord): Promise<void>;
  /**
   * Replaces the record if and only if its stored fence is lower than `fence`, in one atomic step.
   * Resolves to false (and writes nothing) when the record is gone or holds a newer fence.
   */
  update(key: string, record: SessionRecord, fence: number): Promise<boolean>;
  /**
   * Deletes the record. With `fence`, only if its stored fence is lower (a holder deleting what it
   * saw end); without, unconditionally (sign-out).
   */
  delete(key: string, fence?: number): Promise<void>;
}
