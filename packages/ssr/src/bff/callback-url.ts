/**
 * The absolute URL of `<basePath>/callback`, where the email links and the provider sign-ins of
 * the token handler come back, with the page to land on as `next`.
 */
import type { HandlerContext } from './context.js';
import type { RequestView } from './request.js';

/**
 * The `redirect_to` of a link or a provider sign-in. Without a configured `callbackUrl`, the app's
 * origin is the request's `Origin` (already checked against `origins` by the CSRF rule) or the
 * origin the request was addressed to.
 */
export function callbackFor(ctx: HandlerContext, view: RequestView, next: string | null): string | null {
  let base = ctx.callbackUrl;
  if (!base) {
    const origin = view.header('origin');
    const app = origin && origin !== 'null' && (!ctx.origins || ctx.origins.has(origin)) ? origin : view.origin;
    if (!app) return null;
    base = `${app}${ctx.basePath}/callback`;
  }
  const url = new URL(base);
  if (next) url.searchParams.set('next', next);
  return url.href;
}
