/**
 * The session store: the session this client holds in memory, its copy in storage, and keeping
 * the two in step with other tabs and instances (storage change notifications and the broadcast
 * channel trigger a re-read).
 *
 * It decides nothing and takes no lock: the refresher and the flows call `commit` inside their
 * critical section, and the client turns the changes it reports into events after it.
 */
import { toLatchkeyError } from '../errors.js';
import type { StorageAdapter } from '../storage/types.js';
import type { Session } from '../types.js';
import { openBroadcast, type Broadcast } from './broadcast.js';
import { parseStoredSession } from './session.js';

/** `external` is true when the change was made elsewhere (another tab or instance) and only seen here. */
export type StoreListener = (prev: Session | null, next: Session | null, external: boolean) => void;

export interface SessionStore {
  /** Loads the stored session and starts listening for changes made elsewhere. */
  init(): Promise<void>;
  /** The session as this client last saw it. */
  current(): Session | null;
  /** The session in storage now (the authority inside the lock). */
  read(): Promise<Session | null>;
  /** Makes `next` the current session, writing it to storage when `persist`; resolves to the previous one. */
  commit(next: Session | null, persist: boolean): Promise<Session | null>;
  /** Re-reads storage and reports a change made elsewhere, if there is one. */
  sync(): Promise<void>;
  onChange(listener: StoreListener): () => void;
  dispose(): void;
}

export function createSessionStore(storage: StorageAdapter, key: string): SessionStore {
  let current: Session | null = null;
  let raw: string | null = null;
  // Bumped by every change of `current`: a re-read that overlapped a change is stale and dropped.
  let version = 0;
  const listeners = new Set<StoreListener>();
  const cleanups: (() => void)[] = [];
  let broadcast: Broadcast | undefined;

  const notify = (prev: Session | null, next: Session | null, external: boolean) => {
    for (const listener of [...listeners]) listener(prev, next, external);
  };

  async function readRaw(): Promise<string | null> {
    try {
      return await storage.getItem(key);
    } catch (error) {
      throw toLatchkeyError(error, 'storage_failed', 'The storage adapter failed to read the session.');
    }
  }

  async function sync(): Promise<void> {
    const seen = version;
    let stored: string | null;
    try {
      stored = await readRaw();
    } catch {
      return; // cannot read now: keep what we have, the next read will tell
    }
    if (seen !== version || stored === raw) return;
    const next = parseStoredSession(stored);
    const prev = current;
    raw = stored;
    if (!next && !prev) return;
    current = next;
    version++;
    notify(prev, next, true);
  }

  return {
    async init() {
      const stored = await readRaw().catch(() => null);
      raw = stored;
      current = parseStoredSession(stored);
      const onChanged = () => void sync();
      const unsubscribe = storage.subscribe?.(key, onChanged);
      if (unsubscribe) cleanups.push(unsubscribe);
      broadcast = openBroadcast(`latchkey:${key}`, onChanged);
    },
    current: () => current,
    async read() {
      return parseStoredSession(await readRaw());
    },
    async commit(next, persist) {
      const prev = current;
      const nextRaw = next ? JSON.stringify(next) : null;
      current = next;
      raw = nextRaw;
      version++;
      if (persist) {
        try {
          if (nextRaw === null) await storage.removeItem(key);
          else await storage.setItem(key, nextRaw);
        } catch (error) {
          throw toLatchkeyError(error, 'storage_failed', 'The storage adapter failed to save the session.');
        }
        broadcast?.post();
      }
      notify(prev, next, false);
      return prev;
    },
    sync,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      for (const cleanup of cleanups.splice(0)) cleanup();
      broadcast?.close();
      broadcast = undefined;
      listeners.clear();
    },
  };
}
