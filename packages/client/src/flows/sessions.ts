/** The user's own sessions (Latchkey extension endpoints beside the GoTrue API): list, end one, end the others. */
import { type Context } from '../context.js';
import type { Result } from '../types.js';
import { usableSession } from './get-session.js';
import { fail, invalid, missingSession, ok } from './result.js';

/** One of the user's live sessions, as `GET /user/sessions` lists it. */
export interface SessionInfo {
  id: string;
  created_at: string;
  refreshed_at: string;
  user_agent: string | null;
  ip: string | null;
  aal: string;
  /** True for the session this client holds. */
  current: boolean;
}

export async function listSessions(ctx: Context): Promise<Result<{ sessions: SessionInfo[] }>> {
  const keys: 'sessions'[] = ['sessions'];
  const { session, error } = await usableSession(ctx);
  if (!session) return fail(keys, error ?? missingSession());
  try {
    const body = await ctx.http<{ sessions?: unknown }>('GET', '/user/sessions', { token: session.access_token });
    if (!Array.isArray(body?.sessions)) return fail(keys, undefined);
    return ok({ sessions: body.sessions as SessionInfo[] });
  } catch (thrown) {
    return fail(keys, thrown);
  }
}

export async function endSession(ctx: Context, id: string): Promise<{ error: Result<unknown>['error'] }> {
  if (typeof id !== 'string' || id === '') return { error: invalid('endSession needs a session id.') };
  const { session, error } = await usableSession(ctx);
  if (!session) return { error: error ?? missingSession() };
  try {
    await ctx.http('DELETE', `/user/sessions/${encodeURIComponent(id)}`, { token: session.access_token });
    return { error: null };
  } catch (thrown) {
    return { error: fail([], thrown).error };
  }
}

export async function endOtherSessions(ctx: Context): Promise<Result<{ ended: number }>> {
  const keys: 'ended'[] = ['ended'];
  const { session, error } = await usableSession(ctx);
  if (!session) return fail(keys, error ?? missingSession());
  try {
    const body = await ctx.http<{ ended?: unknown }>('DELETE', '/user/sessions', { token: session.access_token });
    return ok({ ended: typeof body?.ended === 'number' ? body.ended : 0 });
  } catch (thrown) {
    return fail(keys, thrown);
  }
}
