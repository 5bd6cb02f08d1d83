/** The local session, refreshed first (single-flight) when it is due. */
import type { Context } from '../context.js';
import type { LatchkeyError } from '../errors.js';
import { isExpired, needsRefresh } from '../session/session.js';
import type { Result, Session } from '../types.js';

export interface Usable {
  session: Session | null;
  error: LatchkeyError | null;
}

/**
 * The session to use now: as stored when it is not due, else after the shared refresh. A refresh
 * that failed transiently still yields the old session while its access token is valid (it was
 * only being renewed early); an expired one is not handed out.
 */
export async function usableSession(ctx: Context): Promise<Usable> {
  await ctx.ready;
  await ctx.store.sync(); // pick up what another tab or instance did meanwhile
  const session = ctx.store.current();
  if (!session || !needsRefresh(session, ctx.clock.now(), ctx.marginMs)) return { session, error: null };
  const outcome = await ctx.refresher.refresh();
  switch (outcome.kind) {
    case 'ok':
      return { session: outcome.session, error: null };
    case 'none':
      return { session: null, error: null };
    case 'signed_out':
      return { session: null, error: outcome.error };
    case 'failed':
      if (outcome.session && !isExpired(outcome.session, ctx.clock.now())) return { session: outcome.session, error: null };
      return { session: null, error: outcome.error };
  }
}

export async function getSession(ctx: Context): Promise<Result<{ session: Session | null }>> {
  const { session, error } = await usableSession(ctx);
  return error ? { data: { session: null }, error } : { data: { session }, error: null };
}
