/**
 * `GET /user`: the user, as the server knows it now.
 *
 * When the server answers `session_not_found` (or `bad_jwt`) the session is not dropped on that
 * word alone; it is confirmed through the refresh endpoint first. The reasoning (supabase-js
 * PR #2166 and its review):
 *
 * - Dropping at once signs users out on transient server states: `/user` is a plain read, which
 *   a deployment may serve from a lagging replica or mid-failover database.
 * - Never dropping strands apps: server-rendered apps run without auto-refresh and clear their
 *   cookie on `SIGNED_OUT`; with no event, a stale cookie is replayed on every request until
 *   the access token expires.
 * - The refresh endpoint is the authority: it rotates the token on the primary under a
 *   compare-and-set, so its `session_not_found` / `refresh_token_*` / `session_expired` are
 *   definitive. Asking it costs one request, goes through the single-flight refresher (no second
 *   use of the token, whoever else is refreshing), and fires `SIGNED_OUT` when the session really
 *   is gone — auto-refresh or not.
 *
 * So: refresh definitive → session removed, `SIGNED_OUT`, the error returned. Refresh transient →
 * session kept, the error returned; a later call tries again. Refresh succeeded → the session was
 * alive after all: `/user` is asked once more with the new token, and its answer is final.
 */
import type { Context } from '../context.js';
import { isLatchkeyError, LatchkeyError } from '../errors.js';
import { isUser } from '../session/session.js';
import type { Result, User } from '../types.js';
import { usableSession } from './get-session.js';
import { fail, missingSession, ok } from './result.js';

const NEEDS_CONFIRMATION = new Set(['session_not_found', 'bad_jwt']);

async function fetchUser(ctx: Context, token: string): Promise<User> {
  const body = await ctx.http('GET', '/user', { token });
  if (!isUser(body)) throw new LatchkeyError('unexpected_response', 'The auth server answered GET /user without a user.', { status: 200 });
  return body;
}

export async function getUser(ctx: Context): Promise<Result<{ user: User }>> {
  const keys: 'user'[] = ['user'];
  const { session, error } = await usableSession(ctx);
  if (!session) return fail(keys, error ?? missingSession());
  try {
    return ok({ user: await fetchUser(ctx, session.access_token) });
  } catch (thrown) {
    if (!isLatchkeyError(thrown) || !NEEDS_CONFIRMATION.has(thrown.code)) return fail(keys, thrown);
    const outcome = await ctx.refresher.refresh({ stale: session.access_token });
    if (outcome.kind !== 'ok') return fail(keys, thrown); // signed out (definitive) or kept (transient)
    try {
      return ok({ user: await fetchUser(ctx, outcome.session.access_token) });
    } catch (again) {
      return fail(keys, again);
    }
  }
}
