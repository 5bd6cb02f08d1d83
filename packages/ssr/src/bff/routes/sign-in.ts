/**
 * `POST <basePath>/sign-in` with `{ "email", "password" }` (JSON): signs in at the auth server,
 * keeps the session on the server, and gives the browser a new opaque session cookie.
 */
import { isSsrError, SsrError } from '../../errors.js';
import { beginSession } from '../begin-session.js';
import { passwordSession } from '../client-session.js';
import type { HandlerContext } from '../context.js';
import { isSameOriginRequest } from '../csrf.js';
import { readJson, text } from '../json-body.js';
import { viewOf } from '../request.js';
import { authErrorResponse, errorResponse, json } from '../respond.js';

export async function signIn(ctx: HandlerContext, request: Request): Promise<Response> {
  const view = viewOf(request);
  // Login CSRF: a cross-site form must not sign the victim into the attacker's account.
  if (!isSameOriginRequest(view, ctx.origins)) return errorResponse(new SsrError('csrf_rejected'));
  const body = await readJson(request);
  const email = body && text(body, 'email');
  const password = body && text(body, 'password');
  if (!email || !password) return errorResponse(new SsrError('bad_request', 'Send JSON { "email", "password" }.'));

  const { data, error } = await passwordSession(ctx, email, password);
  if (error) return authErrorResponse(error);
  try {
    const setCookie = await beginSession(ctx, view, data.session);
    return json(200, { user: data.user, expires_at: data.session.expires_at }, setCookie);
  } catch (failure) {
    if (isSsrError(failure)) return errorResponse(failure);
    throw failure;
  }
}
