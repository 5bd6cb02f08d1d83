/**
 * `@latchkey/verify/fastify`: a Fastify `preHandler` hook. Claims land on `request.auth`.
 *
 * Fastify is not a dependency: only its types are imported, and they vanish at build time.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { isVerifyError } from './errors.js';
import { prepareAuth, type MiddlewareOptions } from './lib/authorize.js';
import { errorReply } from './lib/challenge.js';
import type { AccessTokenClaims, Verifier } from './types.js';

export type { MiddlewareOptions };

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access-token claims, set by `requireAuth`. */
    auth?: AccessTokenClaims;
  }
}

/**
 * A Fastify `preHandler` hook that lets a request through only with a valid access token in its
 * `Authorization: Bearer` header, and puts the claims on `request.auth`. Otherwise it answers
 * 401 (with an RFC 6750 `WWW-Authenticate` challenge), 403 when a role or claim guard fails, or
 * 503 when the auth server is needed and unreachable. Other errors are thrown to Fastify.
 *
 * @example
 * import { requireAuth } from '@latchkey/verify/fastify';
 *
 * app.decorateRequest('auth', undefined); // optional: a stable request shape
 * app.get('/me', { preHandler: requireAuth(verifier) }, async (request) => ({ id: request.auth!.sub }));
 * app.addHook('preHandler', requireAuth(verifier)); // or: every route of this scope
 */
export function requireAuth(verifier: Verifier, options: MiddlewareOptions = {}): preHandlerAsyncHookHandler {
  const authenticate = prepareAuth(verifier, options);
  return async function latchkeyAuth(request: FastifyRequest, reply: FastifyReply) {
    try {
      request.auth = await authenticate(request.headers.authorization);
    } catch (error) {
      if (!isVerifyError(error)) throw error;
      const answer = errorReply(error, options.realm);
      // Returning the reply tells Fastify the hook answered; the route handler does not run.
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    }
  };
}
