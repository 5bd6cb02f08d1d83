/**
 * `GET <basePath>/authorize?provider=github[&next=/path][&scopes=…]`: "Continue with GitHub" as a
 * plain link. Starts the auth server's provider sign-in under PKCE: the verifier goes to this
 * browser in the HttpOnly verifier cookie, the browser goes on (303) to the auth server's
 * `/authorize`, then to the provider, and comes back to `<basePath>/callback?code=…`, which ends
 * it with the session cookie as for an email link. Failures go to `redirects.failed` with
 * `error_code` and `error_description`: this is a navigation, so never a JSON error page.
 */
import { signInWithOAuth } from '@latchkey/client';
import { safeNext, seeOther, withQuery } from '../../lib/redirect-target.js';
import { callbackFor } from '../callback-url.js';
import { pkceFlowClient } from '../client-session.js';
import type { HandlerContext } from '../context.js';
import { viewOf } from '../request.js';

/** The provider names the auth server accepts (`google`, `github`, a custom OIDC name). */
const PROVIDER = /^[a-z0-9_-]{1,64}$/i;

export async function startProvider(ctx: HandlerContext, request: Request): Promise<Response> {
  const view = viewOf(request);
  const params = new URL(request.url).searchParams;
  const failed = (code: string, description: string) =>
    seeOther(withQuery(ctx.redirects.failed, { error_code: code, error_description: description }));
  // A GET, so SameSite and the Origin rule do not apply: Fetch Metadata does. Another site must not
  // start a sign-in here, which would replace a pending email link's verifier (this browser's one
  // cookie for both). It could not sign the user into another account: the code that comes back
  // counts only with the verifier this request sets.
  if (view.header('sec-fetch-site') === 'cross-site') return failed('csrf_rejected', 'Start the sign-in from the app.');
  const provider = params.get('provider') ?? '';
  const rawNext = params.get('next');
  const next = safeNext(rawNext);
  if (!PROVIDER.test(provider) || (rawNext && !next)) {
    return failed('validation_failed', 'Name a provider (?provider=github) and, optionally, a path to land on (?next=/path).');
  }
  const redirectTo = callbackFor(ctx, view, next);
  if (!redirectTo) return failed('validation_failed', 'The app’s origin is unknown: set `callbackUrl`.');

  const { client, verifier } = pkceFlowClient(ctx);
  try {
    const scopes = params.get('scopes') ?? undefined;
    const { data, error } = await signInWithOAuth(client, { provider, redirectTo, scopes, skipBrowserRedirect: true });
    const kept = verifier();
    if (error || !kept) return failed(error?.code ?? 'unexpected_failure', error?.message ?? 'The sign-in could not start.');
    return seeOther(data.url, [ctx.verifier.set(kept)]);
  } finally {
    client.dispose();
  }
}
