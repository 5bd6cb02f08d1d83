/** An explicit refresh, now, through the shared single-flight refresher. */
import type { Context } from '../context.js';
import type { Result, Session, User } from '../types.js';
import { fail, missingSession, ok } from './result.js';

export async function refreshSession(ctx: Context): Promise<Result<{ session: Session; user: User }>> {
  const keys: ('session' | 'user')[] = ['session', 'user'];
  await ctx.ready;
  await ctx.store.sync();
  const current = ctx.store.current();
  if (!current) return fail(keys, missingSession());
  // `stale`: refresh unless someone else already replaced this access token (then use theirs).
  const outcome = await ctx.refresher.refresh({ stale: current.access_token });
  if (outcome.kind === 'ok') return ok({ session: outcome.session, user: outcome.session.user });
  return fail(keys, outcome.kind === 'none' ? missingSession() : outcome.error);
}
