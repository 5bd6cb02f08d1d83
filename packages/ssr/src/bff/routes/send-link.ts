/**
 * `POST <basePath>/otp` (`{ "email", "create_user"?, "data"?, "next"? }`) and
 * `POST <basePath>/recover` (`{ "email", "next"? }`): the auth server emails a magic link and
 * code, or a recovery link and code. The link is a PKCE one: it comes back to
 * `<basePath>/callback?code=…`, and its verifier goes to this browser in an HttpOnly cookie, so
 * only this browser can use the link. The code in the email is verified with `POST <basePath>/verify`.
 */
import { resetPasswordForEmail, signInWithOtp } from '@latchkey/client';
import { SsrError } from '../../errors.js';
import { safeNext } from '../../lib/redirect-target.js';
import { pkceFlowClient } from '../client-session.js';
import type { HandlerContext } from '../context.js';
import { callbackFor } from '../callback-url.js';
import { isSameOriginRequest } from '../csrf.js';
import { readJson, text } from '../json-body.js';
import { viewOf } from '../request.js';
import { authErrorResponse, errorResponse, json } from '../respond.js';

export async function sendLink(ctx: HandlerContext, request: Request, kind: 'otp' | 'recover'): Promise<Response> {
  const view = viewOf(request);
  // Not login CSRF, but a cross-site page must not mail the user, nor replace their pending verifier.
  if (!isSameOriginRequest(view, ctx.origins)) return errorResponse(new SsrError('csrf_rejected'));
  const body = await readJson(request);
  const email = body && text(body, 'email');
  const rawNext = body && text(body, 'next');
  const next = safeNext(rawNext);
  if (!body || !email || (rawNext && !next)) {
    return errorResponse(new SsrError('bad_request', 'Send JSON { "email", "next"?: "/path" }.'));
  }
  const redirectTo = callbackFor(ctx, view, next);
  if (!redirectTo) return errorResponse(new SsrError('bad_request', 'The app’s origin is unknown: set `callbackUrl`.'));

  const { client, verifier } = pkceFlowClient(ctx);
  try {
    const data =
      typeof body.data === 'object' && body.data !== null && !Array.isArray(body.data) ? (body.data as Record<string, unknown>) : undefined;
    const { error } =
      kind === 'otp'
        ? await signInWithOtp(client, { email, shouldCreateUser: body.create_user !== false, data, emailRedirectTo: redirectTo })
        : await resetPasswordForEmail(client, email, { redirectTo });
    if (error) return authErrorResponse(error);
  } finally {
    client.dispose();
  }
  const kept = verifier();
  return json(200, {}, kept ? ctx.verifier.set(kept) : undefined);
}
