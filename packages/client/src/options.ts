/** `createClient`'s options: declared once, validated and defaulted in one place. */
import { LatchkeyError } from './errors.js';
import { resolveClock, type Clock } from './lib/clock.js';
import { processLock } from './lock/process-lock.js';
import type { Lock } from './lock/types.js';
import { webLockManager, webLocks } from './lock/web-locks.js';
import { defaultBrowserStorage } from './storage/browser.js';
import { memoryStorage } from './storage/memory.js';
import type { StorageAdapter } from './storage/types.js';
import type { FlowType } from './types.js';
import type { LatchkeyClient } from './client.js';

/** The storage key (and lock and channel name) used unless `storageKey` says otherwise. */
export const DEFAULT_STORAGE_KEY = 'latchkey.auth.token';
const DEFAULT_REFRESH_MARGIN_MS = 60_000;

export interface ClientOptions {
  /** The auth server's base URL, e.g. `https://auth.example.com/auth/v1`. */
  url: string;
  /** Sent as the `apikey` header, for servers that require one (`LATCHKEY_REQUIRE_API_KEY`). */
  apiKey?: string;
  /** Where the session is kept. Default: `localStorage` in browsers, memory elsewhere. */
  storage?: StorageAdapter;
  /** Storage key; also names the cross-tab lock and channel. Default `latchkey.auth.token`. */
  storageKey?: string;
  /** The `fetch` used for the auth server and for `auth.fetch`. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Refresh ahead of expiry on a timer. Default: true in browsers, false elsewhere. */
  autoRefresh?: boolean;
  /** Mutual exclusion for refreshes. Default: `webLocks()` where `navigator.locks` exists, else `processLock()`. */
  lock?: Lock;
  /** Refresh this many ms before the access token expires (at most half its lifetime). Default 60 000. */
  refreshMargin?: number;
  /** Time source and timers (tests inject one). Default: `Date.now` and the global timers. */
  clock?: Partial<Clock>;
  /** How email links bring the user back: `implicit` (default, as supabase-js) or `pkce` (recommended). */
  flowType?: FlowType;
  /**
   * Pass the `detectSessionInUrl` function exported by this package to sign in from a callback
   * URL (`#access_token=…`, `?code=…`, or an error) when the client loads. Browsers only.
   */
  detectSessionInUrl?: false | ((client: LatchkeyClient) => unknown);
}

export interface ResolvedOptions {
  url: string;
  apiKey: string | undefined;
  storage: StorageAdapter;
  storageKey: string;
  fetch: typeof fetch;
  autoRefresh: boolean;
  lock: Lock;
  marginMs: number;
  clock: Clock;
  flowType: FlowType;
  detect: ((client: LatchkeyClient) => unknown) | undefined;
}

function isBrowser(): boolean {
  return typeof window !== 'undefined' && typeof document !== 'undefined';
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  let url: URL | undefined;
  try {
    url = new URL(options?.url);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new LatchkeyError('invalid_argument', 'createClient: `url` must be an absolute http(s) URL.');
  }
  const marginMs = options.refreshMargin ?? DEFAULT_REFRESH_MARGIN_MS;
  if (typeof marginMs !== 'number' || !Number.isFinite(marginMs) || marginMs < 0) {
    throw new LatchkeyError('invalid_argument', 'createClient: `refreshMargin` must be a number of milliseconds ≥ 0.');
  }
  const storageKey = options.storageKey ?? DEFAULT_STORAGE_KEY;
  if (typeof storageKey !== 'string' || !storageKey) {
    throw new LatchkeyError('invalid_argument', 'createClient: `storageKey` must be a non-empty string.');
  }
  const { flowType = 'implicit', detectSessionInUrl } = options;
  if ((flowType !== 'implicit' && flowType !== 'pkce') || (detectSessionInUrl && typeof detectSessionInUrl !== 'function')) {
    // (`detectSessionInUrl: true`, as in supabase-js, lands here: the detector is a function to
    // import, so that apps without email links do not ship it.)
    throw new LatchkeyError('invalid_argument', 'createClient: bad flowType or detectSessionInUrl (see the README).');
  }
  return {
    url: options.url,
    apiKey: options.apiKey,
    storage: options.storage ?? defaultBrowserStorage() ?? memoryStorage(),
    storageKey,
    // Called through a wrapper: browsers refuse `fetch` invoked with a `this` other than window.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    autoRefresh: options.autoRefresh ?? isBrowser(),
    lock: options.lock ?? (webLockManager() ? webLocks() : processLock()),
    marginMs,
    clock: resolveClock(options.clock),
    flowType,
    detect: detectSessionInUrl || undefined,
  };
}
