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
import { callAuthServer } from '../auth-call.js';
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

  // A direct call, not through a client over the record (see auth-call.ts).
  const answer = await callAuthServer(ctx, 'PUT', '/user', { token: data.accessToken, body: { password: newPassword, nonce } });
  if (!answer.ok) return answer.response;
  if (typeof answer.body.id !== 'string') return errorResponse(new SsrError('auth_unavailable'));
  return json(200, { user: answer.body });
}
