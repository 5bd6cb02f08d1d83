/**
 * `@latchkey/client` driven for one stored session: refresh it (when due) or sign it out. The
 * client keeps doing what it is the one place for — deciding when a session is due, retrying
 * transient failures with backoff, telling a definitive refusal from a blip — over a session held
 * in memory for the length of one call.
 */
import { createClient, memoryStorage, type ClientOptions, type LatchkeyError, type Session } from '@latchkey/client';
import { localLock } from '../lib/local-lock.js';
import { readStoredSession } from '@latchkey/client/session-rules';

export interface ClientDeps {
  authUrl: string;
  apiKey: string | undefined;
  fetch: typeof fetch;
  clock: { now(): number };
  marginMs: number;
}

export type RefreshResult =
  /** A usable session: refreshed, or still valid (an early refresh that failed transiently). */
  | { kind: 'ok'; session: Session }
  /** The auth server said the session is over: the client dropped it. */
  | { kind: 'ended'; error: LatchkeyError }
  /** No usable session and no definitive answer (network, 5xx, 429, or a refusal about nothing). */
  | { kind: 'failed'; error: LatchkeyError };

const KEY = 'latchkey.bff';

/**
 * A `fetch` that gives up at `deadline` (ms since the epoch, real time): the refresh runs under a
 * lock that may expire then, and must not still be talking to the auth server when another holder
 * can take over.
 */
function withDeadline(base: typeof fetch, deadline: number): typeof fetch {
  return (input, init) => {
    const left = Math.floor(deadline - Date.now());
    if (left <= 0) return Promise.reject(new TypeError('The session lock expires before a refresh could finish.'));
    const signals = [AbortSignal.timeout(left)];
    if (init?.signal) signals.push(init.signal);
    return base(input, { ...init, signal: AbortSignal.any(signals) });
  };
}

/** A client over `storage` for one call: no timer, a lock of its own, the BFF's clock. */
function oneCallClient(deps: ClientDeps, storage: ReturnType<typeof memoryStorage>, options: Partial<ClientOptions>) {
  return createClient({
    url: deps.authUrl,
    apiKey: deps.apiKey,
    storage,
    storageKey: KEY,
    autoRefresh: false,
    lock: localLock(),
    fetch: deps.fetch,
    clock: { now: () => deps.clock.now() },
    ...options,
  });
}

async function clientFor(deps: ClientDeps, session: Session, fetchImpl: typeof fetch) {
  const storage = memoryStorage();
  await storage.setItem(KEY, JSON.stringify(session));
  const client = oneCallClient(deps, storage, { fetch: fetchImpl, refreshMargin: deps.marginMs });
  return { client, storage };
}

/** Refreshes `session` if it is due, giving up on the wire at `deadline`. */
export async function refreshSession(deps: ClientDeps, session: Session, deadline: number): Promise<RefreshResult> {
  const { client, storage } = await clientFor(deps, session, withDeadline(deps.fetch, deadline));
  try {
    const { data, error } = await client.getSession();
    if (data.session) return { kind: 'ok', session: data.session };
    // The client removes a session from its storage only on a definitive answer.
    const left = readStoredSession(await storage.getItem(KEY));
    return left ? { kind: 'failed', error: error! } : { kind: 'ended', error: error! };
  } finally {
    client.dispose();
  }
}

/**
 * A `fetch` that refuses refresh requests. A client used outside the session lock must never
 * rotate the refresh token: its successor would live only in that client's memory, the record
 * would keep the used one, and the next locked refresh after the reuse interval would be reuse.
 */
function refusingRefresh(base: typeof fetch): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('grant_type=refresh_token'))
      return Promise.reject(new TypeError('A refresh outside the session lock was refused; try again.'));
    return base(input, init);
  };
}

/**
 * A client over a session that `getAccessToken` has just resolved (not due), for calls that only
 * present its access token (enrol, challenge, list factors). It cannot refresh (see
 * `refusingRefresh`); the caller disposes it.
 */
export async function accessTokenClient(deps: ClientDeps, session: Session) {
  const storage = memoryStorage();
  await storage.setItem(KEY, JSON.stringify(session));
  // Margin 0: only a token that expired since it was resolved is due, and its refresh is refused.
  return oneCallClient(deps, storage, { fetch: refusingRefresh(deps.fetch), refreshMargin: 0 });
}

/**
 * Runs `work` with a client over `session` — called under the session lock, so the client may
 * rotate the session (refresh it when due, verify a factor, refresh after an unenrolment) — and
 * resolves to `work`'s value and the session it left: the same, a successor to store, or null
 * when the auth server ended it (the client drops a session only on a definitive answer).
 */
export async function sessionWork<T>(
  deps: ClientDeps,
  session: Session,
  deadline: number,
  work: (client: ReturnType<typeof createClient>) => Promise<T>,
): Promise<{ value: T; session: Session | null }> {
  const { client, storage } = await clientFor(deps, session, withDeadline(deps.fetch, deadline));
  try {
    const value = await work(client);
    return { value, session: readStoredSession(await storage.getItem(KEY)) };
  } finally {
    client.dispose();
  }
}

/**
 * Ends `session` at the auth server (`POST /logout?scope=local`). Resolves to null when it is
 * ended (or was already gone there), else to the error that kept it from being ended.
 */
export async function revokeSession(deps: ClientDeps, session: Session): Promise<LatchkeyError | null> {
  const { client } = await clientFor(deps, session, deps.fetch);
  try {
    return (await client.signOut({ scope: 'local' })).error;
  } finally {
    client.dispose();
  }
}

/** Signs in with a password; the session is returned, not kept. */
export async function passwordSession(deps: ClientDeps, email: string, password: string) {
  const client = createClient({
    url: deps.authUrl,
    apiKey: deps.apiKey,
    storage: memoryStorage(),
    storageKey: KEY,
    autoRefresh: false,
    lock: localLock(),
    fetch: deps.fetch,
    clock: { now: () => deps.clock.now() },
  });
  try {
    return await client.signInWithPassword({ email, password });
  } finally {
    client.dispose();
  }
}

/**
 * A client for one call of an email or provider flow (`flowType: 'pkce'`, a memory storage that
 * holds nothing but what this call puts in it): `verifier()` reads the PKCE verifier it kept
 * (after starting a flow), `seed` puts one in (before an exchange), and `session()` the session
 * it stored.
 */
export function pkceFlowClient(deps: ClientDeps, seed?: string) {
  const storage = memoryStorage();
  const verifierKey = `${KEY}-code-verifier`; // where @latchkey/client keeps it (its README)
  if (seed) storage.setItem(verifierKey, seed);
  const client = oneCallClient(deps, storage, { flowType: 'pkce' });
  return {
    client,
    verifier: () => storage.getItem(verifierKey) as string | null,
    session: () => readStoredSession(storage.getItem(KEY) as string | null),
  };
}

/** No answer, 408, 429 or 5xx: worth trying again (the client's own rule). */
export function isTransient(error: LatchkeyError): boolean {
  return error.code === 'network_error' || error.code === 'timeout' || error.status === 408 || error.status === 429 || error.status >= 500;
}
