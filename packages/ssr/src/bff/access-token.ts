/** `getAccessToken`: the access token of the request's session, refreshed under the session lock when due. */
import type { User } from '@latchkey/client';
import { sessionAssurance, type SessionAssurance } from '@latchkey/client/session-rules';
import { SsrError } from '../errors.js';
import type { HandlerContext } from './context.js';
import { isSameOriginRequest } from './csrf.js';
import { viewOf, type RequestLike } from './request.js';
import type { Resolution } from './resolve.js';
import { storeKey } from './session-cookie.js';

export type AccessTokenResult =
  | {
      /** `aal` / `amr`: the access token's claims (read, not verified): `aal2` once a second factor was verified, kept across refreshes. */
      data: { accessToken: string; user: User; expiresAt: number; aal: SessionAssurance['aal']; amr: SessionAssurance['amr'] };
      error: null;
    }
  | { data: { accessToken: null; user: null; expiresAt: null; aal: null; amr: null }; error: SsrError };

function failure(error: SsrError): AccessTokenResult {
  return { data: { accessToken: null, user: null, expiresAt: null, aal: null, amr: null }, error };
}

/**
 * The store key of the request's session, once the request passed the CSRF check; or why not.
 * Whatever the app does with the session next, a cookie-authenticated state change must come
 * from the app's own pages.
 */
export async function sessionKeyOf(ctx: HandlerContext, request: RequestLike): Promise<{ key: string } | { error: SsrError }> {
  const view = viewOf(request);
  if (!isSameOriginRequest(view, ctx.origins)) return { error: new SsrError('csrf_rejected') };
  const id = ctx.cookie.read(view);
  if (!id) return { error: new SsrError('session_missing') };
  return { key: await storeKey(id) };
}

/** The request's session record, refreshed first under the session lock when due; or why not. */
export async function resolveRequest(ctx: HandlerContext, request: RequestLike): Promise<Resolution> {
  const found = await sessionKeyOf(ctx, request);
  if ('error' in found) return { kind: 'error', error: found.error };
  return ctx.resolver.resolve(found.key);
}

export async function getAccessToken(ctx: HandlerContext, request: RequestLike): Promise<AccessTokenResult> {
  const resolution = await resolveRequest(ctx, request);
  if (resolution.kind === 'error') return failure(resolution.error);
  const { session } = resolution.record;
  const { aal, amr } = sessionAssurance(session.access_token);
  return { data: { accessToken: session.access_token, user: session.user, expiresAt: session.expires_at, aal, amr }, error: null };
}
