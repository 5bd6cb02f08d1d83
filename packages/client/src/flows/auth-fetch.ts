/**
 * `auth.fetch`: `fetch` with the session's access token. Waits for an in-flight refresh rather
 * than sending a token about to be replaced; on a 401 from the API, refreshes once (single-flight:
 * a hundred 401s make one refresh) and retries once; never more, so it cannot loop.
 */
import type { Context } from '../context.js';
import { usableSession } from './get-session.js';

export async function authFetch(ctx: Context, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const { session } = await usableSession(ctx);
  // Without a usable session (signed out, or expired and the refresh failed for now) the
  // request goes with the last token we have, or as the caller made it; the API decides.
  const token = session?.access_token ?? ctx.store.current()?.access_token;
  // A streamed body needs `duplex: 'half'` (fetch standard; Node enforces it).
  const streamed = typeof ReadableStream !== 'undefined' && init?.body instanceof ReadableStream;
  const request = new Request(input, streamed ? ({ ...init, duplex: 'half' } as RequestInit) : init);
  if (!token) return ctx.fetch(request);
  // Kept unsent for the one retry (a body can be read only once).
  const spare = request.clone();
  request.headers.set('authorization', `Bearer ${token}`);
  const response = await ctx.fetch(request);
  if (response.status !== 401) return response;
  // `stale`: if another caller refreshed since we read the token, this uses theirs (no request).
  const outcome = await ctx.refresher.refresh({ stale: token });
  if (outcome.kind !== 'ok' || outcome.session.access_token === token) return response;
  await response.body?.cancel().catch(() => undefined);
  spare.headers.set('authorization', `Bearer ${outcome.session.access_token}`);
  return ctx.fetch(spare);
}
