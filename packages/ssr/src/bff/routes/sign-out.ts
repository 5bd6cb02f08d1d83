/**
 * `POST <basePath>/sign-out`: ends the session at the auth server, deletes the server-side record
 * and clears the cookie.
 */
import { SsrError } from '../../errors.js';
import { revokeSession } from '../client-session.js';
import type { HandlerContext } from '../context.js';
import { isSameOriginRequest } from '../csrf.js';
import { viewOf } from '../request.js';
import { empty, errorResponse } from '../respond.js';
import { storeKey } from '../session-cookie.js';

/**
 * Revokes the session of `key` at the auth server (with an access token refreshed under the lock
 * if due) and deletes its record — the record whatever the auth server said: the refresh token
 * lives only in the record, so once it is deleted nobody can renew the session. Resolves to
 * whether the auth server confirmed (or the session was already over there).
 */
export async function endSession(ctx: HandlerContext, key: string): Promise<boolean> {
  const resolution = await ctx.resolver.resolve(key);
  let revoked = true;
  if (resolution.kind === 'ok') revoked = (await revokeSession(ctx, resolution.record.session)) === null;
  else if (resolution.error.code !== 'session_missing' && resolution.error.code !== 'session_ended') revoked = false;
  await ctx.store.delete(key);
  return revoked;
}

export async function signOut(ctx: HandlerContext, request: Request): Promise<Response> {
  const view = viewOf(request);
  if (!isSameOriginRequest(view, ctx.origins)) return errorResponse(new SsrError('csrf_rejected'));
  const id = ctx.cookie.read(view);
  if (!id) return empty(204, ctx.cookie.clear()); // signed out already: nothing to do but be sure
  let revoked: boolean;
  try {
    revoked = await endSession(ctx, await storeKey(id));
  } catch (cause) {
    return errorResponse(new SsrError('store_failed', undefined, { cause }));
  }
  if (!revoked) {
    return errorResponse(
      new SsrError(
        'auth_unavailable',
        'Signed out here; the auth server could not be told, so the session ends there when its access token expires.',
      ),
      ctx.cookie.clear(),
    );
  }
  return empty(204, ctx.cookie.clear());
}
