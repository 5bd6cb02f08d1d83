/**
 * `detectSessionInUrl`: signing in from the URL an email link brought the user back to, when the
 * page loads (browsers only).
 *
 * - `#access_token=…` (implicit flow): the session is read from the fragment, its user fetched
 *   (`GET /user`: the fragment does not carry it), stored. Refused by a `pkce` client: tokens in a
 *   fragment can be planted by anyone who sends the link, and a PKCE client asked for a code.
 * - `?code=…` (PKCE): exchanged with the verifier this storage kept — only when there is one, so
 *   an app's own `?code=` (another OAuth integration) is left alone.
 * - `error_code` / `error_description`: the error is returned; the stored session is kept (a used
 *   link must not sign out a user who is signed in).
 *
 * The URL is cleaned (`history.replaceState`) as soon as it has been read, before any request:
 * tokens and codes do not linger in the address bar, the history or a `Referer`. Events
 * (`SIGNED_IN`, or `PASSWORD_RECOVERY` for a recovery link) are emitted once the client is ready,
 * after `INITIAL_SESSION`.
 */
import type { LatchkeyClient } from '../client.js';
import type { Context } from '../context.js';
import { LatchkeyError } from '../errors.js';
import { withClient } from '../internals.js';
import { callbackError, callbackParams, cleanedUrl, ERROR_KEYS, hasCallbackError } from '../lib/callback-url.js';
import { readVerifier } from '../lib/pkce.js';
import { isUser, sessionFromResponse } from '../session/session.js';
import type { Result, Session } from '../types.js';
import { exchange } from './exchange-code-for-session.js';
import { fail, ok } from './result.js';

export type UrlSessionResult = Result<{
  /** The session the URL signed in, or null when the URL held none. */
  session: Session | null;
  /**
   * What the link was for: GoTrue's `type` in an implicit fragment (`signup`, `magiclink`,
   * `recovery`, `invite`, `email_change`), or `recovery` for a PKCE recovery; null otherwise.
   */
  redirectType: string | null;
}>;

const KEYS: ('session' | 'redirectType')[] = ['session', 'redirectType'];
const NONE: UrlSessionResult = { data: { session: null, redirectType: null }, error: null };
/** One detection per client: the URL is read (and cleaned) once. */
const runs = new WeakMap<Context, Promise<UrlSessionResult>>();

interface BrowserWindow {
  location: { href: string };
  history: { state: unknown; replaceState(state: unknown, unused: string, url: string): void };
}

function browserWindow(): BrowserWindow | undefined {
  const win = (globalThis as { window?: Partial<BrowserWindow> }).window;
  return win?.location && typeof win.history?.replaceState === 'function' ? (win as BrowserWindow) : undefined;
}

async function implicitSession(ctx: Context, params: Record<string, string>): Promise<Session> {
  const { access_token, refresh_token } = params;
  const expires_in = Number(params.expires_in);
  const user = await ctx.http('GET', '/user', { token: access_token });
  if (!isUser(user)) throw new LatchkeyError('unexpected_response', 'The auth server answered GET /user without a user.', { status: 200 });
  // The device's clock, not the fragment's `expires_at` (see sessionFromResponse).
  return sessionFromResponse({ access_token, refresh_token, expires_in, user }, ctx.clock.now());
}

async function detect(ctx: Context): Promise<UrlSessionResult> {
  // Not `ready`: when the client runs this on load, `ready` waits for it.
  await ctx.loaded;
  const win = browserWindow();
  if (!win) return NONE;
  let url: URL;
  try {
    url = new URL(win.location.href);
  } catch {
    return NONE;
  }
  const params = callbackParams(url);
  const clean = (queryKeys: string[]) => win.history.replaceState(win.history.state, '', cleanedUrl(url, queryKeys));
  let found: { session: Session; redirectType: string | null };
  try {
    if (hasCallbackError(params)) {
      clean(ERROR_KEYS);
      return fail(KEYS, callbackError(params));
    }
    if (params.access_token) {
      clean([]);
      if (ctx.options.flowType === 'pkce') {
        return fail(
          KEYS,
          new LatchkeyError('unexpected_response', 'The URL holds an implicit-flow session, but this client uses PKCE: it was ignored.'),
        );
      }
      const session = await implicitSession(ctx, params);
      await ctx.lock.run(ctx.lockName, () => ctx.store.commit(session, true));
      found = { session, redirectType: params.type || null };
    } else {
      const code = url.searchParams.get('code');
      if (!code || ctx.options.flowType !== 'pkce' || !(await readVerifier(ctx.options).catch(() => null))) return NONE;
      clean(['code']);
      found = await exchange(ctx, code);
    }
  } catch (error) {
    return fail(KEYS, error);
  }
  const { session, redirectType } = found;
  // After the client is ready and its `INITIAL_SESSION` callbacks have run (two turns: this
  // detection may itself be part of becoming ready).
  void ctx.ready
    .then(() => undefined)
    .then(() => ctx.events.emit(redirectType === 'recovery' ? 'PASSWORD_RECOVERY' : 'SIGNED_IN', session));
  return ok({ session, redirectType });
}

/**
 * Signs in from the URL an email link came back to (browsers only; elsewhere, or on a URL without
 * a callback, it answers `{ session: null }`). Pass it to `createClient` to run it when the client
 * loads — every call then waits for it — or call it yourself, first thing; either way it runs once
 * per client and later calls answer what it found.
 *
 * @example
 * import { createClient, detectSessionInUrl } from '@latchkey/client';
 * const auth = createClient({ url, flowType: 'pkce', detectSessionInUrl });
 * const { data, error } = await detectSessionInUrl(auth); // what the URL held, if anything
 * if (error?.code === 'otp_expired') showMessage('That link has expired: ask for a new one.');
 * if (data.redirectType === 'recovery') router.push('/new-password');
 */
export function detectSessionInUrl(client: LatchkeyClient): Promise<UrlSessionResult> {
  return withClient(client, KEYS, (ctx) => {
    let run = runs.get(ctx);
    if (!run) {
      run = detect(ctx);
      runs.set(ctx, run);
    }
    return run;
  });
}
