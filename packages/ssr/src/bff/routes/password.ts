/**
 * `POST <basePath>/password` with `{ "password", "nonce"? }`: sets the signed-in user's password —
 * the end of a recovery (the recovery link signed the user in), or a change (`nonce`: the code
 * from a reauthentication, when the auth server requires one). `PUT /user` at the auth server
 * with the session's access token, refreshed under the session lock first if due. Answers
 * `200 { user }`, or the auth server's refusal (`weak_password`, `same_password`,
 * `reauthentication_needed`, …).
 */
import { SsrError } from '../../errors.js';
import { getAccessToken } from '../access-token.js';
import type { HandlerContext } from '../context.js';
import { readJson, text } from '../json-body.js';
import { endsCookie, errorResponse, json } from '../respond.js';

export async function password(ctx: HandlerContext, request: Request): Promise<Response> {
  // CSRF is checked there (a POST).
  const { data, error } = await getAccessToken(ctx, request);
  if (error) return errorResponse(error, endsCookie(error) ? ctx.cookie.clear() : undefined);
  const body = await readJson(request);
  const newPassword = body && text(body, 'password');
  const nonce = body && text(body, 'nonce');
  if (!newPassword) return errorResponse(new SsrError('bad_request', 'Send JSON { "password", "nonce"? }.'));

  // A direct call, not through a client over the record: a client would refresh on its own,
  // outside the session lock, and leave the store with a used refresh token.
  const headers: Record<string, string> = {
    authorization: `Bearer ${data.accessToken}`,
    'content-type': 'application/json',
    'x-supabase-api-version': '2024-01-01',
  };
  if (ctx.apiKey) headers.apikey = ctx.apiKey;
  let response: Response;
  try {
    response = await ctx.fetch(`${ctx.authUrl.replace(/\/+$/, '')}/user`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ password: newPassword, nonce }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    return errorResponse(new SsrError('auth_unavailable', undefined, { cause }));
  }
  const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.ok && typeof answer?.id === 'string') return json(200, { user: answer });
  if (response.status >= 500 || response.status === 429 || !answer) return errorResponse(new SsrError('auth_unavailable'));
  // The auth server's refusal, as it said it ({ code, message } with API version 2024-01-01).
  const code = typeof answer.code === 'string' ? answer.code : typeof answer.error_code === 'string' ? answer.error_code : 'auth_refused';
  const message = typeof answer.message === 'string' ? answer.message : typeof answer.msg === 'string' ? answer.msg : 'Refused.';
  return errorResponse({ code, message, status: response.status });
}
