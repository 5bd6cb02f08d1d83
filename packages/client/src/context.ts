/**
 * The client's modules, wired once: storage → session store → refresher → scheduler, the lock,
 * the events. `createClient` is a facade over this; tests build it directly.
 */
import { createEmitter, type Emitter } from './events.js';
import type { Clock } from './lib/clock.js';
import { createHttp, type Http } from './lib/http.js';
import type { Lock } from './lock/types.js';
import type { ResolvedOptions } from './options.js';
import { createRefresher, type Refresher } from './refresh/refresher.js';
import { createScheduler, type Scheduler, type Visibility } from './refresh/scheduler.js';
import { changeEvent } from './session/session.js';
import { createSessionStore, type SessionStore } from './session/store.js';
import type { AuthChangeEvent, Session } from './types.js';

export interface Context {
  http: Http;
  store: SessionStore;
  refresher: Refresher;
  scheduler: Scheduler;
  events: Emitter;
  clock: Clock;
  lock: Lock;
  lockName: string;
  marginMs: number;
  fetch: typeof fetch;
  /** The resolved options (storage and key: where the PKCE verifier lives too; the flow type). */
  options: ResolvedOptions;
  /** Resolves once the stored session has been loaded. */
  loaded: Promise<void>;
  /** Resolves once the stored session has been loaded and a session in the URL (if asked for) handled. */
  ready: Promise<void>;
}

/** Seams for tests: randomness (jitter) and page visibility. */
export interface Internals {
  random?: () => number;
  visibility?: Visibility;
}

/**
 * Wires the modules. `onLoaded` runs once the stored session is loaded and before `ready`
 * resolves (the client's session-in-URL detection); whatever it does, `ready` resolves.
 */
export function createContext(options: ResolvedOptions, internals: Internals = {}, onLoaded?: () => unknown): Context {
  const { clock, lock, marginMs } = options;
  const lockName = `latchkey:${options.storageKey}`;
  const events = createEmitter();
  const store = createSessionStore(options.storage, options.storageKey);
  const http = createHttp({ url: options.url, fetch: options.fetch, clock, apiKey: options.apiKey });
  const refresher = createRefresher({ http, store, lock, lockName, clock, marginMs, emit: events.emit, random: internals.random });
  const scheduler = createScheduler({
    clock,
    marginMs,
    session: store.current,
    refresh: () => refresher.refresh(),
    notBefore: refresher.notBefore,
    visibility: internals.visibility,
    random: internals.random,
  });
  store.onChange((prev, next, external) => {
    // A change made by another tab or instance: this client reports what it means for it.
    // (A change made here is reported by the flow that made it, once its lock is released.)
    if (external) {
      const event = changeEvent(prev, next);
      if (event) events.emit(event, next);
    }
    scheduler.reschedule();
  });
  const loaded = store.init();
  const ready = loaded
    .then(onLoaded)
    .catch(() => undefined)
    .then(() => {
      if (options.autoRefresh) scheduler.start();
    });
  return { http, store, refresher, scheduler, events, clock, lock, lockName, marginMs, fetch: options.fetch, options, loaded, ready };
}

/**
 * Writes a session (or its removal) under the lock, then — the lock released — tells the
 * listeners. The only way flows replace the session.
 */
export async function saveAndEmit(ctx: Context, session: Session | null, event: AuthChangeEvent): Promise<void> {
  const prev = await ctx.lock.run(ctx.lockName, () => ctx.store.commit(session, true));
  if (session || prev) ctx.events.emit(event, session);
}
