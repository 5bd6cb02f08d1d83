/**
 * From a session key to a usable access token: the locked refresh.
 *
 * 1. In-process single-flight: concurrent requests of one session in this process share one
 *    resolution (one store read, at most one lock wait, at most one refresh).
 * 2. Fast path: a record whose access token is not due is used as it is, without the lock.
 * 3. Otherwise the session's cross-process lock is taken, and the record **read again** under it:
 *    another process may have refreshed (or signed out) while this one waited, and then its
 *    result is used — no request to the auth server.
 * 4. Still due: one refresh, bounded to end before the lock can expire, written with the lock's
 *    fence; a write refused for a stale fence means a later holder wrote, and its record wins.
 *
 * `rotate` is the same critical section for the calls that rotate the refresh token besides a
 * refresh: verifying a second factor (the auth server raises the session to aal2 and rotates its
 * token in one statement) and removing one (followed by a refresh). Their new session is written
 * with the fence before the lock is released, so the record never keeps a used refresh token.
 *
 * Nothing of the caller's runs inside the lock except the store, the lock and `fetch` adapters
 * (and, in `rotate`, the route's own call of `@latchkey/client`).
 */
import type { LatchkeyClient, LatchkeyError } from '@latchkey/client';
import { isSsrError, SsrError } from '../errors.js';
import { isRefreshDue } from '@latchkey/client/session-rules';
import { isTransient, refreshSession, sessionWork, type ClientDeps } from './client-session.js';
import type { Lease, SessionLock } from './locks/types.js';
import type { SessionRecord } from './record.js';
import type { SessionStore } from './stores/types.js';

export type Resolution = { kind: 'ok'; record: SessionRecord } | { kind: 'error'; error: SsrError };

/** A rotation's outcome: the record as stored after it, and what the work answered. */
export type Rotation<T> = { kind: 'ok'; record: SessionRecord; value: T } | { kind: 'error'; error: SsrError };

export interface ResolverDeps extends ClientDeps {
  store: SessionStore;
  lock: SessionLock;
}

/** A refresh that finds no lock expiry to respect (an in-process lock) still ends within this. */
const MAX_REFRESH_MS = 20_000;
/**
 * Stop talking to the auth server this long before the lock may expire (at most half the time
 * left): the client's backoff after a failed attempt (under a second) still ends inside the lease.
 */
const SAFETY_MS = 2_000;

function fromStoreFailure(error: unknown): SsrError {
  return isSsrError(error) ? error : new SsrError('store_failed', undefined, { cause: error });
}

function fromRefreshFailure(error: LatchkeyError): SsrError {
  return isTransient(error)
    ? new SsrError('auth_unavailable', undefined, { cause: error })
    : new SsrError('auth_refused', undefined, { cause: error });
}

export interface Resolver {
  resolve(key: string): Promise<Resolution>;
  /**
   * Runs `work` under the session's lock with a client over the record read there (refreshing
   * first when due, as any client call does), and stores the session the client is left with,
   * fenced, before the lock is released. An `ended` session (the client dropped it on a
   * definitive refusal) deletes the record.
   */
  rotate<T>(key: string, work: (client: LatchkeyClient) => Promise<T>): Promise<Rotation<T>>;
}

/**
 * Until when a holder of `lease` may talk to the auth server: before the lock can expire, with
 * time left for the store write.
 */
function deadlineOf(lease: Lease): number {
  return Math.min(lease.validUntil - Math.min(SAFETY_MS, (lease.validUntil - Date.now()) / 2), Date.now() + MAX_REFRESH_MS);
}

export function createResolver(deps: ResolverDeps): Resolver {
  const { store, lock, clock, marginMs } = deps;
  const flights = new Map<string, Promise<Resolution>>();
  const ok = (record: SessionRecord): Resolution => ({ kind: 'ok', record });
  const fail = (error: SsrError) => ({ kind: 'error', error }) as const;
  const missing = () => fail(new SsrError('session_missing'));
  const due = (record: SessionRecord) => isRefreshDue(record.session, clock.now(), marginMs);

  async function underLock(key: string): Promise<Resolution> {
    let lease;
    try {
      lease = await lock.acquire(key);
    } catch (error) {
      return fail(fromStoreFailure(error));
    }
    try {
      const stored = await store.get(key);
      if (!stored) return missing(); // signed out (or ended) while we waited
      const { record } = stored;
      if (!due(record)) return ok(record); // another holder refreshed while we waited: reuse it
      const result = await refreshSession(deps, record.session, deadlineOf(lease));
      if (result.kind === 'ended') {
        // Fenced: if a later holder rewrote the record, it is theirs to judge, not ours to drop.
        await store.delete(key, lease.fence);
        return fail(new SsrError('session_ended', undefined, { cause: result.error }));
      }
      if (result.kind === 'failed') return fail(fromRefreshFailure(result.error));
      if (result.session.access_token === record.session.access_token) return ok(record);
      const next: SessionRecord = { ...record, session: result.session };
      if (await store.update(key, next, lease.fence)) return ok(next);
      return afterRefusedWrite(key, record);
    } catch (error) {
      return fail(fromStoreFailure(error));
    } finally {
      await lease.release();
    }
  }

  /**
   * Our fenced write was refused: our lease outlived its lock and a later holder wrote (or the
   * session was signed out meanwhile). What is stored is the truth.
   */
  async function afterRefusedWrite(key: string, ours: SessionRecord): Promise<Resolution> {
    const latest = await store.get(key);
    if (!latest) return missing();
    // Only a record newer than ours is the truth. One still due, or still holding the token we
    // just rotated, means the fence went backwards (a lock whose fences restarted): serving it
    // would hand out an expired access token and re-present a used refresh token (reuse).
    if (due(latest.record) || latest.record.session.refresh_token === ours.session.refresh_token) {
      return fail(new SsrError('auth_unavailable', 'The session store refused the refreshed session; try again.'));
    }
    return ok(latest.record);
  }

  async function rotate<T>(key: string, work: (client: LatchkeyClient) => Promise<T>): Promise<Rotation<T>> {
    let lease;
    try {
      lease = await lock.acquire(key);
    } catch (error) {
      return fail(fromStoreFailure(error));
    }
    try {
      const stored = await store.get(key);
      if (!stored) return missing();
      const { record } = stored;
      // One client for the whole call: a refresh it makes first (when due) and the rotation that
      // follows are one chain, written once below — two writes under one lease would carry the
      // same fence, and the store refuses the second.
      const { value, session } = await sessionWork(deps, record.session, deadlineOf(lease), work);
      if (!session) {
        await store.delete(key, lease.fence); // fenced, as in underLock
        return fail(new SsrError('session_ended'));
      }
      if (session.access_token === record.session.access_token && session.refresh_token === record.session.refresh_token) {
        return { kind: 'ok', record, value };
      }
      const next: SessionRecord = { ...record, session };
      if (await store.update(key, next, lease.fence)) return { kind: 'ok', record: next, value };
      // A later holder presented the token we rotated: inside the auth server's reuse interval it
      // got the same successor (for a verification, the same aal2 session), so its record stands.
      const latest = await afterRefusedWrite(key, next);
      return latest.kind === 'ok' ? { kind: 'ok', record: latest.record, value } : latest;
    } catch (error) {
      return fail(fromStoreFailure(error));
    } finally {
      await lease.release();
    }
  }

  async function load(key: string): Promise<Resolution> {
    let stored;
    try {
      stored = await store.get(key);
    } catch (error) {
      return fail(fromStoreFailure(error));
    }
    if (!stored) return missing();
    return due(stored.record) ? underLock(key) : ok(stored.record);
  }

  return {
    rotate,
    resolve(key) {
      let flight = flights.get(key);
      if (!flight) {
        flight = load(key).finally(() => flights.delete(key));
        flights.set(key, flight);
      }
      return flight;
    },
  };
}
