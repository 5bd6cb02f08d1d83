/** Glue for Node's `http` server, and for Express, Fastify's raw objects, Connect… (they share its request and response). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookieHeader } from '../cookies/parse.js';
import { rewriteCookieHeader } from '../cookies/request-header.js';
import { serializeCookie } from '../cookies/serialize.js';
import type { CookieMethods } from '../cookies/types.js';
import { SsrError } from '../errors.js';

export interface NodeCookiesOptions {
  /**
   * Whether the request came over https. Default: Express's `req.secure` when present (it honours
   * Express's `trust proxy` setting), else whether the socket is TLS. Behind a TLS-terminating
   * proxy without Express, say it here.
   */
  secure?: boolean;
}

/** Whether the request arrived over https, as far as the server can tell. */
export function isSecureRequest(req: IncomingMessage): boolean {
  const express = (req as { secure?: unknown }).secure;
  if (typeof express === 'boolean') return express;
  return Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted);
}

/**
 * Cookie methods for Node's `req` / `res` (plain `http`, Express, Connect). Cookies are written
 * as `Set-Cookie` headers on `res` (appended to any already set), and `req.headers.cookie` is
 * updated too, so a server client created later in the same request sees the new session.
 *
 * @example
 * http.createServer(async (req, res) => {
 *   const auth = createServerClient({ url, cookies: nodeCookies(req, res) });
 *   const { data: { user } } = await auth.getUser();
 *   res.end(user ? `Hello ${user.email}` : 'Please sign in');
 * });
 */
export function nodeCookies(req: IncomingMessage, res: ServerResponse, options: NodeCookiesOptions = {}): CookieMethods {
  return {
    secure: options.secure ?? isSecureRequest(req),
    getAll: () => parseCookieHeader(req.headers.cookie),
    setAll(cookies) {
      if (res.headersSent) {
        // Too late to tell the browser: say so rather than lose a rotated token without a word.
        throw new SsrError(
          'headers_sent',
          'nodeCookies: the response headers were already sent; call the auth client before writing the response.',
        );
      }
      const previous = res.getHeader('set-cookie');
      const lines = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
      res.setHeader('set-cookie', [...lines, ...cookies.map(serializeCookie)]);
      // A response that sets session cookies is one user's: no shared cache (CDN, proxy) may keep
      // it and hand the tokens to the next visitor (RFC 9111 §5.2.2.5, §5.2.2.7).
      if (cookies.length > 0) res.setHeader('cache-control', 'private, no-store');
      req.headers.cookie = rewriteCookieHeader(req.headers.cookie, cookies);
    },
  };
}
