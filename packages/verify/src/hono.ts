/**
 * `@latchkey/verify/hono`: Hono middleware. Claims land in the context: `c.get('auth')`.
 *
 * Hono is not a dependency: only its types are imported, and they vanish at build time.
 */
import type { MiddlewareHandler } from 'hono';
import { isVerifyError } from './errors.js';
import { prepareAuth, type MiddlewareOptions } from './lib/authorize.js';
import { errorReply } from './lib/challenge.js';
import type { AccessTokenClaims, Verifier } from './types.js';

export type { MiddlewareOptions };

/** The Hono environment `requireAuth` provides: `c.get('auth')` is the verified claims. */
export type AuthEnv = { Variables: { auth: AccessTokenClaims } };

/**
 * Hono middleware that lets a request through only with a valid access token in its
 * `Authorization: Bearer` header, and sets the claims as the context variable `auth`.
 * Otherwise it answers 401 (with an RFC 6750 `WWW-Authenticate` challenge), 403 when a role or
 * claim guard fails, or 503 when the auth server is needed and unreachable. Other errors are
 * thrown to Hono.
 *
 * @example
 * import { Hono } from 'hono';
 * import { requireAuth, type AuthEnv } from '@latchkey/verify/hono';
 *
 * const app = new Hono<AuthEnv>();
 * app.use('/api/*', requireAuth(verifier));
 * app.get('/api/me', (c) => c.json({ id: c.get('auth').sub }));
 */
export function requireAuth(verifier: Verifier, options: MiddlewareOptions = {}): MiddlewareHandler<AuthEnv> {
  const authenticate = prepareAuth(verifier, options);
  return async (c, next) => {
    try {
      c.set('auth', await authenticate(c.req.header('authorization')));
    } catch (error) {
      if (!isVerifyError(error)) throw error;
      const reply = errorReply(error, options.realm);
      return c.json(reply.body, reply.status as 401, reply.headers);
    }
    await next();
  };
}
