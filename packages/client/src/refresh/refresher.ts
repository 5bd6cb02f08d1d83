/**
 * The one place that refreshes.
 *
 * - Single-flight: while a refresh is in flight, every caller (getSession, auth.fetch, the
 *   auto-refresh timer, refreshSession, getUser's confirmation) gets that refresh's result; one
 *   request per session per process.
 * - Under the lock (Web Locks across tabs, else in-process), storage is re-read before anything
 *   is sent: if another tab or instance already rotated the token, its session is adopted and no
 *   request is made. A refresh token is therefore presented by one holder at a time, once.
 * - Transient failures (network, time-out, 408, 429, 5xx) are retried with backoff and jitter;
 *   the session is kept. Only a definitive answer from the refresh endpoint drops it.
 * - Events are emitted after the lock is released, never inside it.
 */
import { isDefinitiveRefreshError, isTransient, LatchkeyError, toLatchkeyError } from '../errors.js';
import { sleep, type Clock } from '../lib/clock.js';
import type { Http } from '../lib/http.js';
import type { Lock } from '../lock/types.js';
import { changeEvent, needsRefresh, sessionFromResponse } from '../session/session.js';
import type { SessionStore } from '../session/store.js';
import type { AuthChangeEvent, Session } from '../types.js';
import { backoffDelay } from './backoff.js';

/**
 * Short on purpose. A refresh that timed out may still have rotated the token on the server; the
 * retry must arrive while the server still answers the old token with the same successor (its
 * reuse interval, 10 s by default), or it reads as token theft and revokes the session.
 */
const REFRESH_TIMEOUT_MS = 5_000;
const MAX_ATTEMPTS = 3;
const BACKOFF = { base: 250, cap: 2_000 };
/** A `Retry-After` longer than this is not waited out inside a call: the call fails (session kept). */
const MAX_WAIT_IN_CALL_MS = 5_000;
/**
 * After a call's attempts have all failed transiently, later calls fail at once (session kept)
 * until this cooldown has passed — longer after each such call, jittered, reset by any answer
 * that is not transient. Without it, an app that keeps calling during an outage sends up to
 * MAX_ATTEMPTS refresh requests per call to a server that is already struggling.
 */
const COOLDOWN = { base: 1_000, cap: 15_000 };

export type RefreshOutcome =
  /** A usable session: freshly refreshed, or found already refreshed by someone else. */
  | { kind: 'ok'; session: Session }
  /** There is no session (never signed in, or signed out elsewhere). */
  | { kind: 'none' }
  /** The server said the session is over: it was removed and SIGNED_OUT emitted. */
  | { kind: 'signed_out'; error: LatchkeyError }
  /** No definitive answer (or a refusal that says nothing about the session): it is kept. */
  | { kind: 'failed'; error: LatchkeyError; session: Session | null };

export interface RefreshRequest {
  /**
   * Refresh unless the session's access token is no longer this one (someone refreshed since the
   * caller used it). Without it: refresh only when the session is due (expiring within the margin).
   */
  stale?: string;
}

export interface Refresher {
  refresh(request?: RefreshRequest): Promise<RefreshOutcome>;
  /** Until when (ms) no refresh request is sent because the server asked us to wait. */
  notBefore(): number;
}

export interface RefresherDeps {
  http: Http;
  store: SessionStore;
  lock: Lock;
  lockName: string;
  clock: Clock;
  marginMs: number;
  emit(event: AuthChangeEvent, session: Session | null): void;
  random?: () => number;
}

interface Attempt {
  outcome: RefreshOutcome;
  event?: AuthChangeEvent | undefined;
}

export function createRefresher(deps: RefresherDeps): Refresher {
  const { http, store, lock, lockName, clock, marginMs } = deps;
  const random = deps.random ?? Math.random;
  let inFlight: Promise<RefreshOutcome> | undefined;
  let notBefore = 0;
  let lastTransient: LatchkeyError | undefined;
  /** Calls in a row whose every attempt failed transiently. */
  let failedCalls = 0;

  /** Adopts what storage holds (no request) and reports the change it is for this client. */
  async function adopt(stored: Session | null): Promise<Attempt> {
    const prev = await store.commit(stored, false);
    return { outcome: stored ? { kind: 'ok', session: stored } : { kind: 'none' }, event: changeEvent(prev, stored) };
  }

  /** One critical section: re-read, decide, at most one request, write. No user callback runs in here. */
  function attempt(request: RefreshRequest): Promise<Attempt> {
    return lock.run(lockName, async (): Promise<Attempt> => {
      const stored = await store.read();
      if (!stored) return adopt(null);
      const wanted = request.stale !== undefined ? stored.access_token === request.stale : needsRefresh(stored, clock.now(), marginMs);
      if (!wanted) return adopt(stored);
      let fresh: Session;
      try {
        const body = await http('POST', '/token?grant_type=refresh_token', {
          body: { refresh_token: stored.refresh_token },
          timeoutMs: REFRESH_TIMEOUT_MS,
        });
        fresh = sessionFromResponse(body, clock.now());
      } catch (thrown) {
        const error = toLatchkeyError(thrown, 'unexpected_response', 'The refresh failed unexpectedly.');
        if (!isDefinitiveRefreshError(error)) return { outcome: { kind: 'failed', error, session: stored } };
        // The answer is about the token we sent. If storage now holds another one (a writer that
        // raced us: no Web Locks, or a stolen lock), that session is not the one refused: keep it.
        const latest = await store.read();
        if (latest && latest.refresh_token !== stored.refresh_token) return adopt(latest);
        // Definitive: this session is over on the server, and no retry can revive it. Drop it
        // everywhere (storage, hence every tab) so no page keeps acting signed in.
        const prev = await store.commit(null, true);
        return { outcome: { kind: 'signed_out', error }, event: prev ? 'SIGNED_OUT' : undefined };
      }
      const prev = await store.commit(fresh, true);
      return { outcome: { kind: 'ok', session: fresh }, event: changeEvent(prev, fresh) };
    });
  }

  async function run(request: RefreshRequest): Promise<Attempt> {
    for (let n = 0; ; n++) {
      if (clock.now() < notBefore && lastTransient) {
        return { outcome: { kind: 'failed', error: lastTransient, session: store.current() } };
      }
      let result: Attempt;
      try {
        result = await attempt(request);
      } catch (thrown) {
        // Storage or lock failure: nothing was learned about the session.
        const error = toLatchkeyError(thrown, 'storage_failed', 'The session could not be read or saved.');
        return { outcome: { kind: 'failed', error, session: store.current() } };
      }
      const { outcome } = result;
      if (outcome.kind !== 'failed' || !isTransient(outcome.error)) {
        notBefore = 0;
        failedCalls = 0;
        return result;
      }
      const delay = backoffDelay(BACKOFF, n, random, outcome.error.retryAfter);
      if (n + 1 >= MAX_ATTEMPTS || delay > MAX_WAIT_IN_CALL_MS) {
        // No request from any caller before the cooldown has passed, nor before the server's
        // Retry-After when it asked for longer.
        notBefore = clock.now() + backoffDelay(COOLDOWN, failedCalls++, random, outcome.error.retryAfter);
        lastTransient = outcome.error;
        return result;
      }
      await sleep(clock, delay);
    }
  }

  async function flight(request: RefreshRequest): Promise<RefreshOutcome> {
    let result: Attempt;
    try {
      result = await run(request);
    } finally {
      // Only one flight exists at a time, and this one is over. Cleared before the events: a
      // callback that calls back into the client starts fresh work instead of waiting on itself.
      inFlight = undefined;
    }
    // Out of the critical section: the lock was released when `attempt` returned.
    if (result.event) deps.emit(result.event, result.outcome.kind === 'ok' ? result.outcome.session : null);
    return result.outcome;
  }

  return {
    async refresh(request = {}) {
      // A caller that joins a refresh which did not replace its stale token (that flight found
      // the session fresh enough) starts one more; bounded, so it can never spin.
      for (let joins = 0; joins < 3; joins++) {
        if (!inFlight) break;
        const outcome = await inFlight;
        if (request.stale === undefined || outcome.kind !== 'ok' || outcome.session.access_token !== request.stale) return outcome;
      }
      if (inFlight) return inFlight;
      inFlight = flight(request);
      return inFlight;
    },
    notBefore: () => notBefore,
  };
}
