/**
 * `exchangeCodeForSession`: the `?code=` a PKCE link came back with, plus the verifier this
 * storage kept when the flow started, for a session (`POST /token?grant_type=pkce`).
 */
import type { LatchkeyClient } from '../client.js';
import type { Context } from '../context.js';
import { isTransient, LatchkeyError, toLatchkeyError } from '../errors.js';
import { withClient } from '../internals.js';
import { readVerifier, removeVerifier, type StoredVerifier } from '../lib/pkce.js';
import { sessionFromResponse } from '../session/session.js';
import type { Result, Session, User } from '../types.js';
import { fail, invalid, ok } from './result.js';

/** `recovery` when the flow was `resetPasswordForEmail`; null otherwise. */
export type RedirectType = 'recovery' | null;

export type ExchangeResult = Result<{ session: Session; user: User; redirectType: RedirectType }>;

const KEYS: ('session' | 'user' | 'redirectType')[] = ['session', 'user', 'redirectType'];

export interface Exchanged {
  session: Session;
  redirectType: RedirectType;
}

/**
 * The exchange itself, for this module and for `detectSessionInUrl` (which runs before the client
 * is ready, so nothing here waits for it). Stores the session under the lock; the caller emits.
 *
 * The verifier is removed once the server has answered definitively — a session, or a refusal
 * (a code is single-use: it will not work twice). After a transient failure (no answer, 5xx) it is
 * kept, so the same code can be tried again.
 */
export async function exchange(ctx: Context, code: string): Promise<Exchanged> {
  let stored: StoredVerifier | null;
  try {
    stored = await readVerifier(ctx.options);
  } catch (error) {
    throw toLatchkeyError(error, 'storage_failed', 'The storage adapter failed to read the PKCE code verifier.');
  }
  if (!stored) {
    throw new LatchkeyError(
      'pkce_code_verifier_not_found',
      'No PKCE code verifier is stored here: open the link in the browser (or app) that asked for it, or ask for a new one.',
    );
  }
  let session: Session;
  try {
    const body = await ctx.http('POST', '/token?grant_type=pkce', { body: { auth_code: code, code_verifier: stored.verifier } });
    session = sessionFromResponse(body, ctx.clock.now());
  } catch (error) {
    if (!isTransient(toLatchkeyError(error, 'unexpected_response', ''))) await removeVerifier(ctx.options, stored);
    throw error;
  }
  await removeVerifier(ctx.options, stored);
  await ctx.lock.run(ctx.lockName, () => ctx.store.commit(session, true));
  return { session, redirectType: stored.recovery ? 'recovery' : null };
}

/**
 * Exchanges the `code` of a PKCE link for a session (the verifier kept in this client's storage
 * when the flow started; removed after). Stores the session and emits `SIGNED_IN`, or
 * `PASSWORD_RECOVERY` when the flow was `resetPasswordForEmail`. A client given
 * `detectSessionInUrl` does this by itself on load; call it where you handle the callback
 * yourself (a React Native deep link, a server route).
 *
 * @example
 * import { exchangeCodeForSession } from '@latchkey/client';
 * const code = new URL(location.href).searchParams.get('code');
 * const { data, error } = code ? await exchangeCodeForSession(auth, code) : { data: null, error: null };
 * if (data?.redirectType === 'recovery') router.push('/new-password');
 */
export function exchangeCodeForSession(client: LatchkeyClient, code: string): Promise<ExchangeResult> {
  return withClient(client, KEYS, async (ctx) => {
    if (typeof code !== 'string' || !code) return fail(KEYS, invalid('exchangeCodeForSession needs the code from the URL.'));
    await ctx.ready;
    try {
      const { session, redirectType } = await exchange(ctx, code);
      ctx.events.emit(redirectType === 'recovery' ? 'PASSWORD_RECOVERY' : 'SIGNED_IN', session);
      return ok({ session, user: session.user, redirectType });
    } catch (error) {
      return fail(KEYS, error);
    }
  });
}
