/**
 * `POST <basePath>/sign-in` with `{ "email", "password" }` (JSON): signs in at the auth server,
 * keeps the session on the server, and gives the browser a new opaque session cookie.
 */
import { SsrError } from '../../errors.js';
import { passwordSession, revokeSession } from '../client-session.js';
import type { HandlerContext } from '../context.js';
import { isSameOriginRequest } from '../csrf.js';
import type { SessionRecord } from '../record.js';
import { viewOf } from '../request.js';
import { errorResponse, json } from '../respond.js';
import { newSessionId, storeKey } from '../session-cookie.js';
import { endSession } from './sign-out.js';

/** A sign-in body is two short strings; anything much larger is not one. */
const MAX_BODY_BYTES = 8 * 1024;

async function credentials(request: Request): Promise<{ email: string; password: string } | null> {
  // JSON only: a cross-site HTML form cannot send it without a CORS preflight.
  if (!(request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) return null;
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) return null;
  const text = await request.text().catch(() => '');
  if (text.length > MAX_BODY_BYTES) return null;
  try {
    const body = JSON.parse(text) as { email?: unknown; password?: unknown };
    return typeof body?.email === 'string' && typeof body.password === 'string' && body.email && body.password
      ? { email: body.email, password: body.password }
      : null;
  } catch {
    return null;
  }
}

export async function signIn(ctx: HandlerContext, request: Request): Promise<Response> {
  const view = viewOf(request);
  // Login CSRF: a cross-site form must not sign the victim into the attacker's account.
  if (!isSameOriginRequest(view, ctx.origins)) return errorResponse(new SsrError('csrf_rejected'));
  const input = await credentials(request);
  if (!input) return errorResponse(new SsrError('bad_request', 'Send JSON { "email", "password" }.'));

  const { data, error } = await passwordSession(ctx, input.email, input.password);
  if (error) {
    // The auth server's own answer (invalid_credentials, …); no answer at all is a 503.
    return errorResponse({ code: error.code, message: error.message, status: error.status >= 400 ? error.status : 503 });
  }
  const id = newSessionId(); // a new id at every sign-in: no session fixation
  const key = await storeKey(id);
  const now = ctx.clock.now();
  const record: SessionRecord = { session: data.session, createdAt: now, expiresAt: now + ctx.ttlMs };
  try {
    await ctx.store.create(key, record);
  } catch (cause) {
    // Nobody will ever hold this session: end it at the auth server rather than leave it live.
    await revokeSession(ctx, data.session).catch(() => undefined);
    return errorResponse(new SsrError('store_failed', undefined, { cause }));
  }
  // The browser's previous session, if any, ends with this sign-in (best effort).
  const previous = ctx.cookie.read(view);
  if (previous) await endSession(ctx, await storeKey(previous)).catch(() => undefined);
  return json(200, { user: data.user, expires_at: data.session.expires_at }, ctx.cookie.set(id));
}
