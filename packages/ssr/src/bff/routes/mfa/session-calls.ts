/**
 * How the second-factor routes reach the auth server with the request's session: calls that only
 * present its access token (enrol, challenge, list) outside the lock, with a client that cannot
 * refresh; calls that rotate its refresh token (verify, unenrol) under the session's lock, their
 * session written to the record before the lock is released.
 */
import type { LatchkeyClient } from '@latchkey/client';
import { sessionAssurance } from '@latchkey/client/session-rules';
import type { SsrError } from '../../../errors.js';
import { resolveRequest, sessionKeyOf } from '../../access-token.js';
import { accessTokenClient } from '../../client-session.js';
import type { HandlerContext } from '../../context.js';
import type { SessionRecord } from '../../record.js';
import { endsCookie, errorResponse } from '../../respond.js';

export type Outcome<T> = { value: T; record: SessionRecord; response?: never } | { response: Response };

/** The answer to a request the BFF refused itself (no session, CSRF, the store, the lock). */
export function refused(ctx: HandlerContext, error: SsrError): Response {
  return errorResponse(error, endsCookie(error) ? ctx.cookie.clear() : undefined);
}

/**
 * Runs `work` with a client holding the request's session, resolved first (refreshed under the
 * lock when due). The client presents the access token and cannot refresh: a rotation here would
 * leave the record on the used refresh token.
 */
export async function withAccessToken<T>(
  ctx: HandlerContext,
  request: Request,
  work: (client: LatchkeyClient) => Promise<T>,
): Promise<Outcome<T>> {
  const resolution = await resolveRequest(ctx, request);
  if (resolution.kind === 'error') return { response: refused(ctx, resolution.error) };
  const client = await accessTokenClient(ctx, resolution.record.session);
  try {
    return { value: await work(client), record: resolution.record };
  } finally {
    client.dispose();
  }
}

/**
 * Runs `work` under the session's lock with a client over the record read there; the session it
 * leaves is stored (fenced) before the lock is released (`Resolver.rotate`).
 */
export async function underSessionLock<T>(
  ctx: HandlerContext,
  request: Request,
  work: (client: LatchkeyClient) => Promise<T>,
): Promise<Outcome<T>> {
  const found = await sessionKeyOf(ctx, request);
  if ('error' in found) return { response: refused(ctx, found.error) };
  const rotation = await ctx.resolver.rotate(found.key, work);
  if (rotation.kind === 'error') return { response: refused(ctx, rotation.error) };
  return { value: rotation.value, record: rotation.record };
}

/** The stored session's level and methods, as `GET <basePath>/session` answers them. */
export function assuranceOf(record: SessionRecord) {
  return sessionAssurance(record.session.access_token);
}
