/**
 * `createClient`: the thin facade. It resolves the options, wires the modules (session store,
 * refresher, scheduler, lock, events) once, and hands each method to its flow.
 */
import { createContext, type Internals } from './context.js';
import type { LatchkeyError } from './errors.js';
import { authFetch } from './flows/auth-fetch.js';
import { getSession } from './flows/get-session.js';
import { getUser } from './flows/get-user.js';
import { refreshSession } from './flows/refresh-session.js';
import { signInWithPassword, type SignInResult } from './flows/sign-in-with-password.js';
import { signOut } from './flows/sign-out.js';
import { signUp, type SignUpResult } from './flows/sign-up.js';
import { updateUser } from './flows/update-user.js';
import { endOtherSessions, endSession, listSessions, type SessionInfo } from './flows/sessions.js';
import { INTERNALS, type Runner } from './internals.js';
import { resolveOptions, type ClientOptions } from './options.js';
import type {
  AuthStateListener,
  PasswordCredentials,
  Result,
  Session,
  SignOutOptions,
  SignUpCredentials,
  UpdateUserOptions,
  User,
  UserAttributes,
} from './types.js';

export { DEFAULT_STORAGE_KEY, type ClientOptions } from './options.js';

export interface LatchkeyClient {
  /**
   * Creates a user; when the server answers with a session (Latchkey confirms at once), signs
   * in and emits `SIGNED_IN`.
   *
   * @example
   * const { data, error } = await auth.signUp({ email, password, data: { name: 'Ada' } });
   * if (error?.code === 'weak_password') console.log(error.reasons);
   */
  signUp(credentials: SignUpCredentials): Promise<SignUpResult>;
  /**
   * Signs in with email and password, stores the session and emits `SIGNED_IN`.
   *
   * @example
   * const { data, error } = await auth.signInWithPassword({ email, password });
   * if (error?.code === 'invalid_credentials') showError('Wrong email or password');
   */
  signInWithPassword(credentials: PasswordCredentials): Promise<SignInResult>;
  /**
   * The local session; refreshed first (single-flight) when it is due. No request when it is not.
   *
   * @example
   * const { data: { session } } = await auth.getSession();
   * if (!session) redirect('/login');
   */
  getSession(): Promise<Result<{ session: Session | null }>>;
  /**
   * Asks the server for the user. A `session_not_found` is confirmed through the refresh endpoint
   * before the session is dropped (see the README, "When the session is dropped").
   *
   * @example
   * const { data: { user }, error } = await auth.getUser();
   */
  getUser(): Promise<Result<{ user: User }>>;
  /**
   * Changes the password (with the `nonce` from `reauthenticate` when the server asks for one),
   * starts an email change (confirmed by mail: the user answers with `new_email` until then;
   * with `flowType: 'pkce'` the link comes back with a `?code=`), and/or merges `data` into
   * `user_metadata`; emits `USER_UPDATED`.
   *
   * @example
   * await auth.updateUser({ data: { theme: 'dark' } });
   * await auth.updateUser({ email: 'new@example.com' }, { emailRedirectTo: 'https://app.example/account' });
   */
  updateUser(attributes: UserAttributes, options?: UpdateUserOptions): Promise<Result<{ user: User }>>;
  /**
   * Refreshes now (joining a refresh already in flight); emits `TOKEN_REFRESHED`.
   *
   * @example
   * const { data: { session }, error } = await auth.refreshSession();
   */
  refreshSession(): Promise<Result<{ session: Session; user: User }>>;
  /**
   * Ends the session on the server (`scope`: `global` default, `local`, `others`) and, except for
   * `others`, removes it here and emits `SIGNED_OUT` — even when the server cannot be reached.
   *
   * @example
   * await auth.signOut({ scope: 'local' });
   */
  signOut(options?: SignOutOptions): Promise<{ error: LatchkeyError | null }>;
  /**
   * Subscribes to session changes. The callback first gets `INITIAL_SESSION`, then `SIGNED_IN`,
   * `SIGNED_OUT`, `TOKEN_REFRESHED`, `USER_UPDATED`. It runs outside the client's lock and is not
   * awaited, so it may call back into the client.
   *
   * @example
   * const { unsubscribe } = auth.onAuthStateChange((event, session) => {
   *   if (event === 'SIGNED_OUT') router.push('/login');
   * });
   */
  onAuthStateChange(callback: AuthStateListener): { unsubscribe(): void };
  /**
   * The user's live sessions (created, last refreshed, user agent, IP), the current one marked.
   *
   * @example
   * const { data: { sessions } } = await auth.listSessions();
   * for (const s of sessions ?? []) console.log(s.user_agent, s.current ? '(this device)' : '');
   */
  listSessions(): Promise<Result<{ sessions: SessionInfo[] }>>;
  /**
   * Ends one of the user's other sessions ("sign out that device"). To end this one, use `signOut`.
   *
   * @example
   * await auth.endSession(sessionId);
   */
  endSession(id: string): Promise<{ error: LatchkeyError | null }>;
  /**
   * Ends every session of the user except this one.
   *
   * @example
   * const { data: { ended } } = await auth.endOtherSessions();
   */
  endOtherSessions(): Promise<Result<{ ended: number }>>;
  /**
   * `fetch` with `Authorization: Bearer <access token>`; refreshes first when due, and on a 401
   * refreshes once and retries once.
   *
   * @example
   * const res = await auth.fetch('https://api.example.com/notes', { method: 'POST', body });
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /**
   * Starts refreshing ahead of expiry on a timer (default in browsers; call it in React Native
   * when the app comes to the foreground, or use `autoRefreshOnAppState`).
   *
   * @example
   * auth.startAutoRefresh();
   */
  startAutoRefresh(): void;
  /**
   * Stops the auto-refresh timer (React Native: when the app goes to the background).
   *
   * @example
   * auth.stopAutoRefresh();
   */
  stopAutoRefresh(): void;
  /**
   * Stops timers and listeners (storage events, broadcast channel, callbacks). The stored
   * session is left as it is.
   *
   * @example
   * auth.dispose();
   */
  dispose(): void;
}

/**
 * Creates a client for one auth server and one stored session. Nothing runs at import time and
 * nothing touches `window` before this is called.
 *
 * @example
 * import { createClient } from '@latchkey/client';
 * const auth = createClient({ url: 'https://auth.example.com/auth/v1' });
 * await auth.signInWithPassword({ email, password });
 * const res = await auth.fetch('https://api.example.com/notes');
 */
export function createClient(options: ClientOptions): LatchkeyClient {
  return createFacade(resolveOptions(options));
}

/** The facade over a wired context (tests pass `internals`). */
export function createFacade(resolved: ReturnType<typeof resolveOptions>, internals?: Internals): LatchkeyClient {
  // The detector runs after the stored session is loaded (asynchronously: `facade` is set by then).
  const ctx = createContext(resolved, internals, resolved.detect && (() => resolved.detect?.(facade)));
  const { events, store, scheduler, ready } = ctx;
  let autoRefresh = resolved.autoRefresh;
  const run: Runner = (fn) => fn(ctx);
  const facade: LatchkeyClient = {
    // For the flows exported as functions (see internals.ts); not enumerable as a string key.
    [INTERNALS]: run,
    signUp: (credentials) => signUp(ctx, credentials),
    signInWithPassword: (credentials) => signInWithPassword(ctx, credentials),
    getSession: () => getSession(ctx),
    getUser: () => getUser(ctx),
    updateUser: (attributes, options) => updateUser(ctx, attributes, options),
    refreshSession: () => refreshSession(ctx),
    signOut: (signOutOptions) => signOut(ctx, signOutOptions),
    onAuthStateChange(callback) {
      const unsubscribe = events.on(callback);
      void ready.then(() => events.emitTo(callback, 'INITIAL_SESSION', store.current()));
      return { unsubscribe };
    },
    fetch: (input, init) => authFetch(ctx, input, init),
    listSessions: () => listSessions(ctx),
    endSession: (id) => endSession(ctx, id),
    endOtherSessions: () => endOtherSessions(ctx),
    startAutoRefresh() {
      autoRefresh = true;
      void ready.then(() => autoRefresh && scheduler.start());
    },
    stopAutoRefresh() {
      autoRefresh = false;
      scheduler.stop();
    },
    dispose() {
      autoRefresh = false;
      scheduler.stop();
      store.dispose();
      events.clear();
    },
  } as LatchkeyClient;
  return facade;
}
