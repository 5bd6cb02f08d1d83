/**
 * Sign-out: end the session on the server (`POST /logout?scope=…`), then remove it here.
 *
 * The local session is removed whatever the server answered (for `global` and `local`): a user
 * who asks to be signed out is signed out on this device even offline. A failure to reach the
 * server is still returned in `error`, since the session may live on there until it expires.
 */
import { saveAndEmit, type Context } from '../context.js';
import { toLatchkeyError, type LatchkeyError } from '../errors.js';
import type { SignOutOptions } from '../types.js';
import { usableSession } from './get-session.js';
import { invalid } from './result.js';

const SCOPES = new Set(['global', 'local', 'others']);
/**
 * Answers meaning the server no longer knows this session or user: nothing left to end there.
 * Not `bad_jwt`: an expired access token (a refresh that failed transiently) proves nothing about
 * the session, which may live on — "sign out everywhere" must then report that it did not.
 */
const ALREADY_GONE = new Set(['session_not_found', 'user_not_found']);

export async function signOut(ctx: Context, options: SignOutOptions = {}): Promise<{ error: LatchkeyError | null }> {
  const scope = options.scope ?? 'global';
  if (!SCOPES.has(scope)) return { error: invalid('scope must be "global", "local" or "others".') };
  // A fresh access token if one can be had (single-flight), so the server can end the session.
  const { session } = await usableSession(ctx);
  const token = session?.access_token ?? ctx.store.current()?.access_token;
  let error: LatchkeyError | null = null;
  if (token) {
    try {
      await ctx.http('POST', `/logout?scope=${scope}`, { token });
    } catch (thrown) {
      const failure = toLatchkeyError(thrown, 'network_error', 'Sign-out could not reach the auth server.');
      if (!(ALREADY_GONE.has(failure.code) || failure.status === 404)) error = failure;
    }
  }
  if (scope !== 'others') await saveAndEmit(ctx, null, 'SIGNED_OUT');
  return { error };
}
