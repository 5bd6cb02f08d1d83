/**
 * Shared test doubles: a clock whose timers run only when the test moves time, and a scripted
 * auth server behind a `fetch` function. Nothing here keeps state between tests: each test makes
 * its own.
 */
import { createHash } from 'node:crypto';
import { createFacade } from '../src/client.js';
import { createContext, type Internals } from '../src/context.js';
import type { Clock } from '../src/lib/clock.js';
import { processLock } from '../src/lock/process-lock.js';
import type { Lock } from '../src/lock/types.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from '../src/options.js';
import { memoryStorage } from '../src/storage/memory.js';
import type { StorageAdapter } from '../src/storage/types.js';
import type { AuthChangeEvent, FlowType, Session } from '../src/types.js';

/** Lets every pending promise callback (and I/O-free continuation) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface FakeClock extends Clock {
  /** Moves time forward, running each timer that comes due, in order, letting promises settle between. */
  advance(ms: number): Promise<void>;
  pending(): number;
}

export function fakeClock(start = Date.UTC(2030, 0, 1)): FakeClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      await flush();
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].callback();
        await flush();
      }
      now = target;
      await flush();
    },
    pending: () => timers.size,
  };
}

export const USER = { id: 'user-1', aud: 'authenticated', email: 'ada@example.com', app_metadata: {}, user_metadata: {} };

/** A token response as the server sends it; `n` makes the tokens distinct. */
export function tokenBody(n: number, expiresIn = 3600, user: Record<string, unknown> = USER) {
  return {
    access_token: `access-${n}`,
    token_type: 'bearer',
    expires_in: expiresIn,
    expires_at: 1, // the server's clock: deliberately wrong, the client must not use it
    refresh_token: `refresh-${n}`,
    user,
  };
}

/** A stored session expiring `expiresInMs` after `now`. */
export function session(n: number, now: number, expiresInMs = 3_600_000, lifetime = 3600): Session {
  return {
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
    token_type: 'bearer',
    expires_in: lifetime,
    expires_at: Math.floor((now + expiresInMs) / 1000),
    user: USER,
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function serverError(status: number, code: string, headers: Record<string, string> = {}): Response {
  return json(status, { code, message: `server says ${code}` }, headers);
}

export interface Call {
  method: string;
  /** Path and query after the base URL. */
  path: string;
  body: any;
  headers: Headers;
}

export type Handler = (call: Call) => Response | Promise<Response>;

export const BASE = 'http://auth.test/auth/v1';

/**
 * A fetch that answers from `routes` ("METHOD /path?query" → handler), records every call, and
 * answers 404 for anything else.
 */
export function fakeServer(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const path = url.href.startsWith(BASE) ? url.href.slice(BASE.length) : url.href;
    const text = await request.text();
    const call: Call = { method: request.method, path, body: text ? JSON.parse(text) : undefined, headers: request.headers };
    calls.push(call);
    const handler = routes[`${request.method} ${path}`] ?? routes[`${request.method} ${path.split('?')[0]}`];
    if (!handler) return serverError(404, 'not_found');
    return handler(call);
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    count: (key: string) => calls.filter((c) => `${c.method} ${c.path}` === key || `${c.method} ${c.path.split('?')[0]}` === key).length,
  };
}

export const REFRESH = 'POST /token?grant_type=refresh_token';

/** A promise with its resolve function outside. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A lock that records whether it is held, around a real in-process lock. */
export function observedLock(): Lock & { held(): boolean; acquisitions(): number } {
  const inner = processLock();
  let depth = 0;
  let acquisitions = 0;
  return {
    held: () => depth > 0,
    acquisitions: () => acquisitions,
    run(name, fn) {
      return inner.run(name, async () => {
        acquisitions++;
        depth++;
        try {
          return await fn();
        } finally {
          depth--;
        }
      });
    },
  };
}

let keys = 0;
/** A storage key no other test uses (the process lock is shared per key within a worker). */
export function uniqueKey(): string {
  return `test-${process.pid}-${++keys}-${Math.random().toString(36).slice(2)}`;
}

export interface TestContextOptions {
  fetch: typeof globalThis.fetch;
  clock: FakeClock;
  storage?: StorageAdapter;
  lock?: Lock;
  marginMs?: number;
  /** Key to use; default a fresh one. Two contexts given one storage and key act as two tabs. */
  key?: string;
  internals?: Internals;
}

/** Resolved client options for tests: scripted fetch, fake clock, memory storage, no auto-refresh. */
export function testOptions(options: TestContextOptions): ResolvedOptions {
  return {
    ...resolveOptions({
      url: BASE,
      fetch: options.fetch,
      clock: options.clock,
      storage: options.storage ?? memoryStorage(),
      storageKey: options.key ?? uniqueKey(),
      lock: options.lock ?? processLock(),
      refreshMargin: options.marginMs ?? 60_000,
      autoRefresh: false,
    }),
  };
}

/** A wired `Context` exactly as `createClient` builds it, for testing modules and flows alone. */
export async function testContext(options: TestContextOptions) {
  const resolved = testOptions(options);
  const ctx = createContext(resolved, { random: () => 0.5, ...options.internals });
  await ctx.ready;
  const emitted: [AuthChangeEvent, Session | null][] = [];
  ctx.events.on((event, s) => {
    emitted.push([event, s]);
  });
  return { ctx, storage: resolved.storage, key: resolved.storageKey, emitted, events: () => emitted.map(([event]) => event) };
}

export interface TestClientOptions extends TestContextOptions {
  flowType?: FlowType;
  detectSessionInUrl?: ClientOptions['detectSessionInUrl'];
}

/**
 * A client exactly as `createClient` builds it (the facade the exported flows take), over a
 * scripted fetch and a fake clock, with its events recorded from the first (`INITIAL_SESSION`).
 */
export async function testClient(options: TestClientOptions) {
  const resolved: ResolvedOptions = {
    ...testOptions(options),
    flowType: options.flowType ?? 'implicit',
    detect: options.detectSessionInUrl || undefined,
  };
  const auth = createFacade(resolved, { random: () => 0.5, ...options.internals });
  const emitted: [AuthChangeEvent, Session | null][] = [];
  auth.onAuthStateChange((event, s) => {
    emitted.push([event, s]);
  });
  await flush();
  return {
    auth,
    storage: resolved.storage,
    key: resolved.storageKey,
    emitted,
    events: () => emitted.map(([event]) => event),
    stored: async () => JSON.parse((await resolved.storage.getItem(resolved.storageKey)) ?? 'null') as Session | null,
  };
}

/** RFC 7636 Appendix B: a verifier and its S256 challenge. */
export const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** The S256 challenge of `verifier`, computed independently of the client (node:crypto). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
