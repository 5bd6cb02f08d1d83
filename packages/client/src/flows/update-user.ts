/** `PUT /user`: change the password or the user's metadata; emits `USER_UPDATED`. */
import { type Context } from '../context.js';
import { isUser } from '../session/session.js';
import type { Result, User, UserAttributes } from '../types.js';
import { usableSession } from './get-session.js';
import { fail, invalid, missingSession, ok } from './result.js';

export async function updateUser(ctx: Context, attributes: UserAttributes): Promise<Result<{ user: User }>> {
  const keys: 'user'[] = ['user'];
  if (typeof attributes !== 'object' || attributes === null) return fail(keys, invalid('updateUser needs { password?, data? }.'));
  const { session, error } = await usableSession(ctx);
  if (!session) return fail(keys, error ?? missingSession());
  try {
    const body = await ctx.http('PUT', '/user', {
      token: session.access_token,
      body: { password: attributes.password, data: attributes.data },
    });
    if (!isUser(body)) return fail(keys, undefined);
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
