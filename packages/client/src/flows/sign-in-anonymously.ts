/**
 * `signInAnonymously`: a session for a user with no address or password yet (`POST /signup` with
 * no credentials), when the server allows it (`LATCHKEY_EXTERNAL_ANONYMOUS_USERS_ENABLED`). The
 * user is `is_anonymous` until it adds an email (`updateUser({ email })`, confirmed by mail) and
 * a password.
 */
import type { LatchkeyClient } from '../client.js';
import { saveAndEmit } from '../context.js';
import { withClient } from '../internals.js';
import { hasSession, isUser, sessionFromResponse } from '../session/session.js';
import type { Result, Session, User } from '../types.js';
import { fail, ok } from './result.js';

export interface SignInAnonymouslyOptions {
  /** Initial `user_metadata`. */
  data?: Record<string, unknown>;
}

/**
 * Creates an anonymous user and signs it in: the session is stored and `SIGNED_IN` emitted.
 * `anonymous_provider_disabled` when the server does not allow anonymous users.
 *
 * @example
 * import { signInAnonymously } from '@latchkey/client';
 * const { data, error } = await signInAnonymously(auth, { data: { cart: 'c-42' } });
 * // later, to keep the account: await auth.updateUser({ email });
 */
export function signInAnonymously(
  client: LatchkeyClient,
  options: SignInAnonymouslyOptions = {},
): Promise<Result<{ user: User | null; session: Session | null }>> {
  const keys: ('user' | 'session')[] = ['user', 'session'];
  return withClient(client, keys, async (ctx) => {
    await ctx.ready;
    try {
      const body = await ctx.http<Record<string, unknown>>('POST', '/signup', { body: { data: options?.data ?? {} } });
      if (!hasSession(body)) return ok({ user: isUser(body?.user) ? body.user : null, session: null });
      const session = sessionFromResponse(body, ctx.clock.now());
      await saveAndEmit(ctx, session, 'SIGNED_IN');
      return ok({ user: session.user, session });
    } catch (error) {
      return fail(keys, error);
    }
  });
}
