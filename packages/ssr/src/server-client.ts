/**
 * `createServerClient`: `@latchkey/client` for one server request, with the session in that
 * request's cookies.
 *
 * The client does the work (sign-in, refresh, `getUser`'s confirmation, the drop rules); this
 * module wires it for a server: cookie storage chunked under the per-cookie limit, no timers, a
 * lock private to the request, one refresh per refresh token per process, and the changed cookies
 * handed to your framework after every call that changed them — outside any lock.
 */
import { chunkedStorage, createClient, type Clock, type FlowType, type LatchkeyClient } from '@latchkey/client';
import { overheadBytes, resolveAttributes, type CookieAttributeOptions } from './cookies/attributes.js';
import { createCookieJar } from './cookies/jar.js';
import type { CookieMethods } from './cookies/types.js';
import { SsrError } from './errors.js';
import { localLock } from './lib/local-lock.js';
import { readStoredSession } from '@latchkey/client/session-rules';
import { coalesceRefreshes } from './refresh/coalesce.js';

/** The default cookie name: `@latchkey/client`'s default storage key, so its `cookieStorage` in the browser reads the same cookies. */
export const DEFAULT_COOKIE_NAME = 'latchkey.auth.token';
/** `@latchkey/client`'s `cookieStorage` default: 4096 bytes per cookie (RFC 6265 §6.1) less room for the name and attributes. */
export const DEFAULT_CHUNK_SIZE = 3180;
/** RFC 6265 §6.1: browsers keep at least 4096 bytes per cookie, name and attributes included. */
const COOKIE_LIMIT = 4096;
/**
 * How long the PKCE verifier cookie lives: a day, the longest GoTrue lets a link live
 * (`MAILER_OTP_EXP` ≤ 86400 s). A verifier outliving its link is useless, so it should not linger
 * for the session cookies' 400 days.
 */
export const VERIFIER_MAX_AGE = 86_400;

export interface CookieOptions extends CookieAttributeOptions {
  /** Base cookie name; chunks are `<name>.0`, `<name>.1`, …. Default `latchkey.auth.token`. */
  name?: string;
  /** Largest percent-encoded value per cookie. Default 3180. */
  chunkSize?: number;
}

export interface ServerClientOptions {
  /** The auth server's base URL, e.g. `https://auth.example.com/auth/v1`. */
  url: string;
  /** Your framework's request and response cookies (see `webCookies`, `nodeCookies`). */
  cookies: CookieMethods;
  /** Name and attributes of the session cookies. */
  cookieOptions?: CookieOptions;
  /** Sent as the `apikey` header, for servers started with `LATCHKEY_REQUIRE_API_KEY`. */
  apiKey?: string;
  /** The `fetch` used for the auth server and for `auth.fetch`. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Refresh this many ms before the access token expires (at most half its lifetime). Default 60 000. */
  refreshMargin?: number;
  /** Time source (tests inject one). Default: `Date.now` and the global timers. */
  clock?: Partial<Clock>;
  /**
   * How email links come back: `pkce` (default, as `@supabase/ssr`: a `?code=` your callback route
   * exchanges, the verifier in a cookie) or `implicit` (tokens in the URL fragment, which never
   * reaches a server: only for links handled by browser code).
   */
  flowType?: FlowType;
}

/** The server client: `@latchkey/client`'s API, writing cookies through `setAll` after each call. */
export type ServerClient = LatchkeyClient;

function resolveChunkSize(value: unknown, overhead: number): number {
  const chunkSize = value ?? DEFAULT_CHUNK_SIZE;
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 64 || chunkSize + overhead > COOKIE_LIMIT) {
    throw new SsrError(
      'invalid_argument',
      `createServerClient: \`chunkSize\` must be a whole number from 64 to ${COOKIE_LIMIT - overhead}, so that a chunk with its name and attributes fits the 4096 bytes browsers keep per cookie.`,
    );
  }
  return chunkSize;
}

/**
 * A Latchkey client for one server request, keeping the session in the request's cookies.
 * Create one per request. Every method is `@latchkey/client`'s; after each call the cookies it
 * changed are passed to `cookies.setAll` (new tokens after a refresh; deletions after a sign-out
 * or a definitive refusal, so a dead session is never replayed).
 *
 * On a server, `getSession()` returns what the cookie says without asking the auth server: use
 * `getUser()` (or verify the access token with `@latchkey/verify`) before trusting who the user is.
 *
 * @example
 * import { createServerClient, webCookies } from '@latchkey/ssr';
 *
 * export async function handle(request: Request): Promise<Response> {
 *   const cookies = webCookies(request);
 *   const auth = createServerClient({ url: 'https://auth.example.com/auth/v1', cookies });
 *   const { data: { user } } = await auth.getUser();
 *   return cookies.applyTo(new Response(user ? `Hello ${user.email}` : 'Please sign in'));
 * }
 */
export function createServerClient(options: ServerClientOptions): ServerClient {
  const where = 'createServerClient';
  const methods = options?.cookies;
  if (!methods || typeof methods.getAll !== 'function' || typeof methods.setAll !== 'function') {
    throw new SsrError('invalid_argument', `${where}: \`cookies\` must have getAll() and setAll(cookies).`);
  }
  const cookieOptions = options.cookieOptions ?? {};
  const name = cookieOptions.name ?? DEFAULT_COOKIE_NAME;
  // Secure unless we know the request came over plain http (a development server): the glue
  // functions say which; an adapter that does not know gets the safe answer.
  const attributes = resolveAttributes(name, cookieOptions, methods.secure ?? true, where);
  // The longest chunk name is `<name>.999`.
  const chunkSize = resolveChunkSize(cookieOptions.chunkSize, overheadBytes(`${name}.999`, attributes));

  const lock = localLock();
  // The PKCE verifier (`@latchkey/client` keeps it under `<storage key>-code-verifier`): short-lived,
  // and SameSite=Lax even when the session is Strict, because the link that needs it arrives as a
  // navigation from another site (the mail client), where a Strict cookie is not sent. Alone it is
  // worthless: it only counts together with the code in that link.
  const verifierName = `${name}-code-verifier`;
  const verifierAttributes = {
    ...attributes,
    maxAge: Math.min(attributes.maxAge, VERIFIER_MAX_AGE),
    sameSite: attributes.sameSite === 'strict' ? ('lax' as const) : attributes.sameSite,
  };
  const jar = createCookieJar({
    methods,
    name,
    attributes,
    attributesFor: (key) => (key === verifierName ? verifierAttributes : attributes),
    isReadable: (value) => readStoredSession(value) !== null,
  });
  const now = options.clock?.now ?? (() => Date.now());
  const baseFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let client: LatchkeyClient;
  try {
    client = createClient({
      url: options.url,
      apiKey: options.apiKey,
      // Percent-encoded size: what the browser stores once the value is written as `encodeURIComponent` would.
      storage: chunkedStorage(jar.storage, { chunkSize, measure: 'uri' }),
      storageKey: name,
      // No timers on a server: a request refreshes on demand, and ends.
      autoRefresh: false,
      lock,
      fetch: coalesceRefreshes(baseFetch, now),
      refreshMargin: options.refreshMargin,
      clock: options.clock,
      flowType: options.flowType ?? 'pkce',
    });
  } catch (error) {
    throw new SsrError('invalid_argument', `${where}: ${error instanceof Error ? error.message : 'unusable options.'}`, { cause: error });
  }

  /** Hands the changed cookies to `setAll`: computed inside the lock, handed over after it. */
  async function flush(): Promise<void> {
    const changes = await lock.run('cookies', () => jar.takeChanges());
    // `setAll` is your code: called with the lock released, so it may call back into the client.
    if (changes.length) await methods.setAll(changes);
  }

  /**
   * Every asynchronous method of the client, followed by a flush (whatever it resolved or
   * rejected with); synchronous ones (`onAuthStateChange`, `dispose`, …) as they are. Generic on
   * purpose: a method added to the client later writes its cookies too — and so does the
   * symbol-keyed entry through which the flows exported as functions (`signInWithOtp(auth, …)`,
   * `exchangeCodeForSession(auth, …)`, …) run, so they work on a server client and write theirs.
   */
  const server: Record<PropertyKey, unknown> = {};
  for (const key of Reflect.ownKeys(client)) {
    const value = (client as unknown as Record<PropertyKey, unknown>)[key];
    if (typeof value !== 'function') {
      server[key] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    server[key] = (...args: unknown[]) => {
      const result = method(...args);
      if (!(result instanceof Promise)) return result;
      return result.finally(flush);
    };
  }
  return server as unknown as ServerClient;
}
