/** An in-memory store: one process only (development, tests). Records vanish on restart. */
import type { SessionRecord, StoredRecord } from '../record.js';
import type { SessionStore } from './types.js';

export interface MemoryStoreOptions {
  /** Time source for expiry (tests inject one). Default `Date.now`. */
  clock?: { now(): number };
}

/**
 * Keeps session records in this process's memory. Not for more than one process: each would
 * have its own records, and a user would be signed out whenever a request reached another one.
 *
 * @example
 * const bff = createTokenHandler({ authUrl, store: memoryStore(), lock: memoryLock() });
 */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore {
  const now = () => (options.clock ?? Date).now();
  const records = new Map<string, { json: string; fence: number; expiresAt: number }>();
  const live = (key: string) => {
    const entry = records.get(key);
    if (entry && entry.expiresAt <= now()) records.delete(key);
    return records.get(key);
  };
  return {
    async get(key) {
      const entry = live(key);
      // A copy, as a real store would give: callers never share a mutable record.
      return entry ? ({ record: JSON.parse(entry.json) as SessionRecord, fence: entry.fence } satisfies StoredRecord) : null;
    },
    async create(key, record) {
      records.set(key, { json: JSON.stringify(record), fence: 0, expiresAt: record.expiresAt });
    },
    async update(key, record, fence) {
      const entry = live(key);
      if (!entry || entry.fence >= fence) return false;
      records.set(key, { json: JSON.stringify(record), fence, expiresAt: record.expiresAt });
      return true;
    },
    async delete(key, fence) {
      const entry = live(key);
      if (entry && (fence === undefined || entry.fence < fence)) records.delete(key);
    },
  };
}
