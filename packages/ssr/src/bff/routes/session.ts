/**
 * `GET <basePath>/session`: who is signed in, for the browser app (`{ user, expires_at, aal, amr }`), or 401.
 * Refreshes under the session lock when due, so a session that ended at the auth server shows as
 * ended here (and its cookie is cleared) instead of lingering until someone calls an API.
 */
import { getAccessToken } from '../access-token.js';
import type { HandlerContext } from '../context.js';
import { endsCookie, errorResponse, json } from '../respond.js';

export async function session(ctx: HandlerContext, request: Request): Promise<Response> {
  const { data, error } = await getAccessToken(ctx, request);
  if (error) return errorResponse(error, endsCookie(error) ? ctx.cookie.clear() : undefined);
  return json(200, { user: data.user, expires_at: data.expiresAt, aal: data.aal, amr: data.amr });
}
