/** The email-link callback route on Node's `http` server and Express (see auth-callback.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callbackTarget, checkCallbackOptions, type AuthCallbackOptions } from '../auth-callback.js';
import { isSecureRequest, nodeCookies } from './node.js';

/**
 * The callback route as a Node / Express handler: exchanges the link's `?code=` for a session in
 * the cookies (`Set-Cookie` on `res`) and answers a 303. The URL is read from `Host` and the
 * protocol (Express's `req.secure`, honouring `trust proxy`; else the socket): behind a proxy
 * that rewrites `Host`, give absolute `redirectTo` URLs.
 *
 * @example
 * import { nodeAuthCallback } from '@latchkey/ssr';
 * app.get('/auth/callback', nodeAuthCallback({ url: AUTH_URL, redirectTo: '/dashboard', errorRedirectTo: '/login' }));
 */
export function nodeAuthCallback(options: AuthCallbackOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  checkCallbackOptions(options);
  return async (req, res) => {
    const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const url = new URL(path, `${isSecureRequest(req) ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`);
    const location = await callbackTarget(url, nodeCookies(req, res), options);
    res.statusCode = 303;
    res.setHeader('location', location);
    res.setHeader('cache-control', 'private, no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    res.end();
  };
}
