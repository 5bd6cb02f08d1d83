/** `createTokenHandler`'s options: declared once, checked and defaulted in one place. */
import { SsrError } from '../errors.js';
import { isTarget } from '../lib/redirect-target.js';
import type { SessionLock } from './locks/types.js';
import type { TokenCookieOptions } from './session-cookie.js';
import type { SessionStore } from './stores/types.js';

export interface TokenHandlerOptions {
  /** The auth server's base URL, e.g. `https://auth.example.com/auth/v1`. */
  authUrl: string;
  /** Where session records live: `postgresStore(pool)`, `redisStore(redis)`, `memoryStore()` or your own. */
  store: SessionStore;
  /** The per-session lock around refreshes: `postgresLock(pool)`, `redisLock(redis)`, `memoryLock()` or your own. */
  lock: SessionLock;
  /** The session cookie's name and attributes (it is always HttpOnly). */
  cookie?: TokenCookieOptions;
  /** Where the routes are mounted by `handle`: `<basePath>/sign-in`, `/sign-out`, `/session`. Default `/auth`. */
  basePath?: string;
  /** Origins allowed to make state-changing requests with the cookie. Default: the origin each request was addressed to. */
  origins?: string[];
  /** Seconds a BFF session lasts from sign-in (record and cookie). Default 604 800 (7 days). */
  sessionTtl?: number;
  /** Refresh this many ms before the access token expires (at most half its lifetime). Default 60 000. */
  refreshMargin?: number;
  /** Sent as the `apikey` header, for auth servers started with `LATCHKEY_REQUIRE_API_KEY`. */
  apiKey?: string;
  /** The `fetch` used for the auth server. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Time source for token and session expiry (tests inject one). Default `Date.now`. */
  clock?: { now(): number };
  /**
   * The absolute URL of `<basePath>/callback` as browsers reach it, sent as the `redirect_to` of
   * the email links. Default: the origin of the request that asks for the link, plus `basePath`.
   */
  callbackUrl?: string;
  /**
   * Where `<basePath>/callback` sends the browser (paths or absolute URLs): `signedIn` (default
   * `/`; a link's own `next` path wins), `recovery` (signed in by a password-recovery link; default
   * `signedIn`), `failed` (with `error_code` and `error_description` in the query; default `signedIn`).
   */
  redirects?: { signedIn?: string; recovery?: string; failed?: string };
}

export interface ResolvedOptions {
  authUrl: string;
  store: SessionStore;
  lock: SessionLock;
  basePath: string;
  origins: ReadonlySet<string> | undefined;
  ttlSeconds: number;
  marginMs: number;
  apiKey: string | undefined;
  fetch: typeof fetch;
  clock: { now(): number };
  callbackUrl: string | undefined;
  redirects: { signedIn: string; recovery: string; failed: string };
}

const WHERE = 'createTokenHandler';

function invalid(message: string): SsrError {
  return new SsrError('invalid_argument', `${WHERE}: ${message}`);
}

function absoluteHttpUrl(value: unknown): boolean {
  try {
    const url = new URL(value as string);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function resolveOptions(options: TokenHandlerOptions): ResolvedOptions {
  if (!options || !absoluteHttpUrl(options.authUrl)) throw invalid('`authUrl` must be an absolute http(s) URL.');
  const { store, lock } = options;
  if (
    !store ||
    !['get', 'create', 'update', 'delete'].every((method) => typeof (store as unknown as Record<string, unknown>)[method] === 'function')
  ) {
    throw invalid('`store` must have get, create, update and delete (postgresStore, redisStore, memoryStore).');
  }
  if (!lock || typeof lock.acquire !== 'function') throw invalid('`lock` must have acquire (postgresLock, redisLock, memoryLock).');
  const basePath = (options.basePath ?? '/auth').replace(/\/+$/, '');
  if (typeof basePath !== 'string' || (basePath !== '' && !basePath.startsWith('/'))) throw invalid('`basePath` must start with "/".');
  let origins: Set<string> | undefined;
  if (options.origins !== undefined) {
    if (!Array.isArray(options.origins) || options.origins.length === 0) throw invalid('`origins` must be a non-empty array of origins.');
    origins = new Set();
    for (const origin of options.origins) {
      // Compared with the Origin header as a string: only the exact serialized form can match.
      if (!absoluteHttpUrl(origin) || new URL(origin).origin !== origin)
        throw invalid(`"${String(origin).slice(0, 80)}" is not an origin (scheme://host[:port], no path).`);
      origins.add(origin);
    }
  }
  const ttlSeconds = options.sessionTtl ?? 7 * 24 * 3600;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw invalid('`sessionTtl` must be a positive whole number of seconds.');
  const marginMs = options.refreshMargin ?? 60_000;
  if (typeof marginMs !== 'number' || !Number.isFinite(marginMs) || marginMs < 0)
    throw invalid('`refreshMargin` must be a number of milliseconds ≥ 0.');
  if (options.callbackUrl !== undefined && !absoluteHttpUrl(options.callbackUrl))
    throw invalid('`callbackUrl` must be an absolute http(s) URL.');
  const { signedIn = '/', recovery = signedIn, failed = signedIn } = options.redirects ?? {};
  for (const [name, value] of Object.entries({ signedIn, recovery, failed })) {
    if (!isTarget(value)) throw invalid(`\`redirects.${name}\` must be a path ("/…") or an absolute http(s) URL.`);
  }
  return {
    authUrl: options.authUrl,
    store,
    lock,
    basePath,
    origins,
    ttlSeconds,
    marginMs,
    apiKey: options.apiKey,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    clock: options.clock ?? { now: () => Date.now() },
    callbackUrl: options.callbackUrl,
    redirects: { signedIn, recovery, failed },
  };
}
