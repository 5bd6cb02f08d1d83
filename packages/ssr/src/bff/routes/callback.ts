/**
 * `GET <basePath>/callback?code=…[&next=/path]`: where the email links of `otp` and `recover`
 * come back. The code is exchanged with the verifier from this browser's cookie; the session goes
 * to the store, the session cookie to the browser, and the browser on with a 303: to `next` (a
 * path on this origin), else `redirects.signedIn` — or `redirects.recovery` after a recovery
 * link. Failures (GoTrue's error redirect, an expired or used link, a link opened in another
 * browser) go to `redirects.failed` with `error_code` and `error_description` in the query.
 *
 * A GET that signs in: safe against login CSRF because the code counts only with the verifier
 * cookie of the browser that asked for the link — a link planted by someone else has none here.
 */
import { exchangeCodeForSession } from '@latchkey/client';
import { isSsrError } from '../../errors.js';
import { returnedError, safeNext, seeOther, withQuery } from '../../lib/redirect-target.js';
import { beginSession } from '../begin-session.js';
import { pkceFlowClient } from '../client-session.js';
import type { HandlerContext } from '../context.js';
import { viewOf } from '../request.js';

export async function callback(ctx: HandlerContext, request: Request): Promise<Response> {
  const view = viewOf(request);
  const params = new URL(request.url).searchParams;
  const failed = (code: string, description: string, cookies: string[] = []) =>
    seeOther(withQuery(ctx.redirects.failed, { error_code: code.slice(0, 64), error_description: description.slice(0, 300) }), cookies);

  const returned = returnedError(params);
  if (returned) return failed(returned.code, returned.description);
  const code = params.get('code');
  if (!code) return failed('validation_failed', 'The link holds no code to sign in with.');
  const seed = ctx.verifier.read(view);
  if (!seed) {
    return failed('pkce_code_verifier_not_found', 'Open the link in the browser that asked for it, or ask for a new one.');
  }

  const { client, verifier } = pkceFlowClient(ctx, seed);
  let result;
  try {
    result = await exchangeCodeForSession(client, code);
  } finally {
    client.dispose();
  }
  // The client keeps the verifier after a transient failure (the same link can be tried again)
  // and removes it otherwise: the cookie follows.
  const cookies = verifier() ? [] : [ctx.verifier.clear()];
  if (result.error) return failed(result.error.code, result.error.message, cookies);
  try {
    cookies.push(await beginSession(ctx, view, result.data.session));
  } catch (failure) {
    if (isSsrError(failure)) return failed(failure.code, failure.message, cookies);
    throw failure;
  }
  const next = safeNext(params.get('next'));
  const target = result.data.redirectType === 'recovery' ? ctx.redirects.recovery : (next ?? ctx.redirects.signedIn);
  return seeOther(target, cookies);
}
