/**
 * `@latchkey/verify/express`: Express middleware. Claims land on `req.auth`.
 *
 * Express is not a dependency: only its types are imported, and they vanish at build time.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isVerifyError } from './errors.js';
import { prepareAuth, type MiddlewareOptions } from './lib/authorize.js';
import { errorReply } from './lib/challenge.js';
import type { AccessTokenClaims, Verifier } from './types.js';

export type { MiddlewareOptions };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified access-token claims, set by `requireAuth`. */
      auth?: AccessTokenClaims;
    }
  }
}

/**
 * Express middleware that lets a request through only with a valid access token in its
 * `Authorization: Bearer` header, and puts the claims on `req.auth`. Otherwise it answers 401
 * (with an RFC 6750 `WWW-Authenticate` challenge), 403 when a role or claim guard fails, or 503
 * when the auth server is needed and unreachable. Other errors go to `next(error)`.
 *
 * @example
 * import { requireAuth } from '@latchkey/verify/express';
 *
 * app.get('/me', requireAuth(verifier), (req, res) => res.json({ id: req.auth!.sub }));
 * app.delete('/account', requireAuth(verifier, { session: true }), deleteAccount);
 * app.get('/admin', requireAuth(verifier, { role: 'service_role' }), admin);
 */
export function requireAuth(verifier: Verifier, options: MiddlewareOptions = {}): RequestHandler {
  const authenticate = prepareAuth(verifier, options);
  return (req: Request, res: Response, next: NextFunction) => {
    authenticate(req.headers.authorization).then(
      (claims) => {
        req.auth = claims;
        next();
      },
      (error: unknown) => {
        if (!isVerifyError(error)) return next(error);
        const reply = errorReply(error, options.realm);
        res.status(reply.status).set(reply.headers).json(reply.body);
      },
    );
  };
}
