/**
 * Auto-refresh: renew the session ahead of expiry (at `expires_at − margin`), through the same
 * single-flight refresher as everything else. Paused while the page is hidden (no timers in
 * background tabs, no refresh storms when many tabs are open); on return, refreshes at once if
 * the session came due meanwhile. After a transient failure it tries again with backoff, never
 * sooner than the server's `Retry-After`.
 */
import type { Clock } from '../lib/clock.js';
import { refreshDueAt } from '../session/session.js';
import type { Session } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { RefreshOutcome } from './refresher.js';

/** Whether the app is in the foreground. */
export interface Visibility {
  hidden(): boolean;
  subscribe(onChange: () => void): () => void;
}

/** The page's visibility (`document.visibilityState`); always visible where there is no document. */
export const documentVisibility: Visibility = {
  hidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
  subscribe(onChange) {
    if (typeof document === 'undefined' || typeof document.addEventListener !== 'function') return () => {};
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  },
};

/**
 * Long timers are re-armed at most this far ahead, so a device that slept (timers late) or a
 * clock that jumped is noticed within a minute.
 */
const MAX_TIMER_MS = 60_000;
const RETRY = { base: 5_000, cap: 60_000 };

export interface SchedulerDeps {
  clock: Clock;
  marginMs: number;
  session(): Session | null;
  refresh(): Promise<RefreshOutcome>;
  /** Until when the server asked for no refresh request. */
  notBefore(): number;
  visibility?: Visibility;
  random?: () => number;
}

export interface Scheduler {
  start(): void;
  stop(): void;
  /** Re-plans after the session changed. */
  reschedule(): void;
  running(): boolean;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { clock, marginMs } = deps;
  const visibility = deps.visibility ?? documentVisibility;
  const random = deps.random ?? Math.random;
  let active = false;
  let timer: unknown;
  let unsubscribe: (() => void) | undefined;
  let failures = 0;
  let retryAt = 0;
  let ticking = false;

  function clear(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  }

  function plan(): void {
    clear();
    if (!active || ticking || visibility.hidden()) return;
    const session = deps.session();
    if (!session) return;
    const due = Math.max(refreshDueAt(session, marginMs), retryAt, deps.notBefore());
    const delay = Math.min(Math.max(0, due - clock.now()), MAX_TIMER_MS);
    timer = clock.setTimeout(tick, delay);
    // In Node, a pending auto-refresh must not keep the process alive.
    (timer as { unref?: () => void } | undefined)?.unref?.();
  }

  async function tick(): Promise<void> {
    timer = undefined;
    const session = deps.session();
    if (!active || !session || visibility.hidden()) return;
    const now = clock.now();
    if (now < Math.max(refreshDueAt(session, marginMs), retryAt, deps.notBefore())) return plan();
    ticking = true;
    let outcome: RefreshOutcome;
    try {
      outcome = await deps.refresh();
    } finally {
      ticking = false;
    }
    if (outcome.kind === 'failed') {
      retryAt = clock.now() + backoffDelay(RETRY, failures++, random);
    } else {
      failures = 0;
      retryAt = 0;
    }
    plan();
  }

  return {
    start() {
      if (active) return;
      active = true;
      unsubscribe = visibility.subscribe(plan);
      plan();
    },
    stop() {
      active = false;
      clear();
      unsubscribe?.();
      unsubscribe = undefined;
    },
    reschedule: plan,
    running: () => active,
  };
}
