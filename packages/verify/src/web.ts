/**
 * `@latchkey/verify/web`: for handlers of Web-standard `Request`s (Next.js route handlers,
 * `Deno.serve`, Bun, Cloudflare-style `fetch` handlers). The claims are passed to the handler.
 */
import { isVerifyError } from './errors.js';
import { prepareAuth, type MiddlewareOptions } from './lib/authorize.js';
import { errorReply } from './lib/challenge.js';
import type { AccessTokenClaims, Verifier } from './types.js';

export type { MiddlewareOptions };

/** A handler that runs once the request is authenticated: the claims come second. */
export type AuthedHandler<Rest extends unknown[]> = (
  request: Request,
  auth: AccessTokenClaims,
  ...rest: Rest
) => Response | Promise<Response>;

/**
 * Wraps a Web `Request` handler so it only runs with a valid access token in the request's
 * `Authorization: Bearer` header, and receives the claims as its second argument. Otherwise the
 * wrapper answers 401 (with an RFC 6750 `WWW-Authenticate` challenge), 403 when a role or claim
 * guard fails, or 503 when the auth server is needed and unreachable. Arguments after the
 * request (e.g. a Next.js route context) are passed through. Other errors are thrown.
 *
 * @example
 * import { withAuth } from '@latchkey/verify/web';
 *
 * // Next.js app/api/me/route.ts
 * export const GET = withAuth(verifier, (request, auth) => Response.json({ id: auth.sub }));
 * // Deno / Bun
 * Deno.serve(withAuth(verifier, (request, auth) => new Response(`hello ${auth.email}`)));
 */
export function withAuth<Rest extends unknown[]>(
  verifier: Verifier,
  handler: AuthedHandler<Rest>,
  options: MiddlewareOptions = {},
): (request: Request, ...rest: Rest) => Promise<Response> {
  const authenticate = prepareAuth(verifier, options);
  return async (request, ...rest) => {
    let claims: AccessTokenClaims;
    try {
      claims = await authenticate(request.headers.get('authorization'));
    } catch (error) {
      if (!isVerifyError(error)) throw error;
      const reply = errorReply(error, options.realm);
      return Response.json(reply.body, { status: reply.status, headers: reply.headers });
    }
    return handler(request, claims, ...rest);
  };
}
