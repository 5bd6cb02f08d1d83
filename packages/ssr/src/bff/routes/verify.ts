/**
 * `POST <basePath>/verify` with `{ "type", "email", "token" }` (the code from the email, typed by
 * the user) or `{ "type", "token_hash" }`: signs in like `sign-in` does — a new session id, the
 * session kept on the server, the cookie. Answers `200 { user, expires_at }`; with secure email
 * change, the first of the two confirmations answers `200 { user: null, expires_at: null }`.
 */
import { verifyOtp, type EmailOtpType, type VerifyOtpParams } from '@latchkey/client';
import { isSsrError, SsrError } from '../../errors.js';
import { beginSession } from '../begin-session.js';
import { pkceFlowClient } from '../client-session.js';
import type { HandlerContext } from '../context.js';
import { isSameOriginRequest } from '../csrf.js';
import { readJson, text } from '../json-body.js';
import { viewOf } from '../request.js';
import { authErrorResponse, errorResponse, json } from '../respond.js';

const TYPES = new Set(['email', 'recovery', 'invite', 'email_change', 'signup', 'magiclink']);

function paramsOf(body: Record<string, unknown> | null): VerifyOtpParams | null {
  const type = body && text(body, 'type');
  if (!body || !type || !TYPES.has(type)) return null;
  const tokenHash = text(body, 'token_hash');
  if (tokenHash) return { type: type as EmailOtpType, token_hash: tokenHash };
  const email = text(body, 'email');
  const token = text(body, 'token');
  return email && token ? { type: type as EmailOtpType, email, token } : null;
}

export async function verify(ctx: HandlerContext, request: Request): Promise<Response> {
  const view = viewOf(request);
  // Login CSRF: a cross-site page must not sign the victim in with the attacker's code.
  if (!isSameOriginRequest(view, ctx.origins)) return errorResponse(new SsrError('csrf_rejected'));
  const params = paramsOf(await readJson(request));
  if (!params) return errorResponse(new SsrError('bad_request', 'Send JSON { "type", "email", "token" } or { "type", "token_hash" }.'));
  const { client } = pkceFlowClient(ctx);
  let result;
  try {
    result = await verifyOtp(client, params);
  } finally {
    client.dispose();
  }
  if (result.error) return authErrorResponse(result.error);
  const { session } = result.data;
  if (!session) return json(200, { user: null, expires_at: null });
  try {
    const setCookie = await beginSession(ctx, view, session);
    return json(200, { user: session.user, expires_at: session.expires_at }, setCookie);
  } catch (failure) {
    if (isSsrError(failure)) return errorResponse(failure);
    throw failure;
  }
}
