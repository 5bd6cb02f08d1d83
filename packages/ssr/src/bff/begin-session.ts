/**
 * Turning a session the auth server just issued (password sign-in, a verified code, an exchanged
 * PKCE code) into a BFF session: a new opaque id, its record in the store, the cookie.
 */
import type { Session } from '@latchkey/client';
import { SsrError } from '../errors.js';
import { revokeSession } from './client-session.js';
import type { HandlerContext } from './context.js';
import type { SessionRecord } from './record.js';
import type { RequestView } from './request.js';
import { newSessionId, storeKey } from './session-cookie.js';
import { endSession } from './routes/sign-out.js';

/** Stores `session` under a new id; resolves to the `Set-Cookie` that hands the id to the browser. */
export async function beginSession(ctx: HandlerContext, view: RequestView, session: Session): Promise<string> {
  const id = newSessionId(); // a new id at every sign-in: no session fixation
  const key = await storeKey(id);
  const now = ctx.clock.now();
  const record: SessionRecord = { session, createdAt: now, expiresAt: now + ctx.ttlMs };
  try {
    await ctx.store.create(key, record);
  } catch (cause) {
    // Nobody will ever hold this session: end it at the auth server rather than leave it live.
    await revokeSession(ctx, session).catch(() => undefined);
    throw new SsrError('store_failed', undefined, { cause });
  }
  // The browser's previous session, if any, ends with this sign-in (best effort).
  const previous = ctx.cookie.read(view);
  if (previous) await endSession(ctx, await storeKey(previous)).catch(() => undefined);
  return ctx.cookie.set(id);
}
