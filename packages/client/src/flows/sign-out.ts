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
/** The server no longer knows this session (or token): nothing left to end there. */
const ALREADY_GONE = new Set([401, 403, 404]);

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
      if (!ALREADY_GONE.has(failure.status)) error = failure;
    }
  }
  if (scope !== 'others') await saveAndEmit(ctx, null, 'SIGNED_OUT');
  return { error };
}
