/**
 * `PUT /user`: change the password (with a reauthentication `nonce` when the server asks for
 * one), start an email change, or change the user's metadata; emits `USER_UPDATED`.
 *
 * An email change is confirmed by mail before it takes effect: the server answers with the user
 * as it is, `new_email` set. With `flowType: 'pkce'` the request carries a code challenge and the
 * verifier is kept once the server accepted it, so the confirmation link comes back as `?code=`.
 */
import { type Context } from '../context.js';
import { maybePkce } from '../lib/lazy-pkce.js';
import { withRedirect } from '../lib/redirect.js';
import { isUser } from '../session/session.js';
import type { Result, UpdateUserOptions, User, UserAttributes } from '../types.js';
import { usableSession } from './get-session.js';
import { fail, invalid, missingSession, ok } from './result.js';

export async function updateUser(
  ctx: Context,
  attributes: UserAttributes,
  options: UpdateUserOptions = {},
): Promise<Result<{ user: User }>> {
  const keys: 'user'[] = ['user'];
  if (typeof attributes !== 'object' || attributes === null) return fail(keys, invalid('updateUser needs an object of attributes.'));
  const { session, error } = await usableSession(ctx);
  if (!session) return fail(keys, error ?? missingSession());
  try {
    const { email, password, nonce, data } = attributes;
    const path = withRedirect('/user', options?.emailRedirectTo);
    const pkce = email === undefined ? undefined : await maybePkce(ctx);
    const body = await ctx.http('PUT', path, {
      token: session.access_token,
      body: { email, password, nonce, data, ...pkce?.params },
    });
    if (!isUser(body)) return fail(keys, undefined);
    await pkce?.save();
    // Keep the stored session's user current, on the session as it is now (it may have been
    // refreshed meanwhile), under the lock; then tell the listeners.
    const updated = await ctx.lock.run(ctx.lockName, async () => {
      const latest = await ctx.store.read();
      if (!latest || latest.user.id !== body.id) return null;
      const next = { ...latest, user: body };
      await ctx.store.commit(next, true);
      return next;
    });
    if (updated) ctx.events.emit('USER_UPDATED', updated);
    return ok({ user: body });
  } catch (thrown) {
    return fail(keys, thrown);
  }
}
