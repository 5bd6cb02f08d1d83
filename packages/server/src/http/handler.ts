/**
 * The request pipeline: CORS, API key, routing, body, validation, authentication, handler, and
 * one place that turns every failure into a coded response. Nothing in here logs a header value,
 * a body or a query string: only method, route, status, timing and ids.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { verifyAccessToken } from '../crypto/jwt.js';
import { LatchkeyError, isLatchkeyError } from '../errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { findLiveSession } from '../store/sessions.js';
import { readBody, RequestEndedEarly } from './body.js';
import { secretEquals } from './secret-equals.js';
import { requestApiVersion, sendError, sendJson } from './respond.js';

const API_VERSION_HEADER_NAME = 'x-supabase-api-version';

/** Path and query of a request target, without building a full WHATWG URL on the hot path. */
function parseTarget(target: string): { pathname: string; searchParams: URLSearchParams } {
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  // An absolute-form target (a proxy's "GET http://host/path") still routes by its path.
  let pathname = raw;
  if (!raw.startsWith('/')) {
    try {
      pathname = new URL(raw).pathname;
    } catch {
      throw new LatchkeyError('validation_failed', 'The request target is not a valid URL.');
    }
  }
  return { pathname, searchParams: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)) };
}
import { parse, type HandlerContext, type RequestInfo, type Route } from './route.js';
import { isConsoleAsset, sendConsoleAsset } from '../console/assets.js';
import { browserRequest } from '../console/browser-request.js';
import { authorizeConsoleCall } from '../console/guard.js';
import { CONSOLE_HEADERS, isConsolePath } from '../console/headers.js';
import { viaConsole } from '../console/via-console.js';
import { createRouter } from './router.js';

const CORS_HEADERS = {
  // Browsers call the auth server from the app's origin with a bearer token, never a cookie, so
  // any origin may call it (as GoTrue does); there is no ambient credential to protect.
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-total-count, link, x-supabase-api-version, x-request-id, retry-after',
};

export { secretEquals };

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    // Only behind a proxy that overwrites X-Forwarded-For: otherwise clients could pick their
    // own address and walk around the per-IP rate limits.
    // The rightmost entry is the one our proxy appended; entries left of it came from the client
    // (proxies that append, like nginx's $proxy_add_x_forwarded_for, keep what the client sent).
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

const EXEMPT_FROM_API_KEY = new Set([
  '/health',
  '/.well-known/jwks.json',
  // Browser navigations, not API calls: the app sends the user to /authorize with a link and the
  // provider sends them back to /callback with a redirect, and neither can carry an apikey header.
  // Nothing is lost: the API key is not a secret (it ships in every app), and these routes are
  // guarded by what they check themselves (the provider must be enabled, redirect_to allow-listed,
  // the state signed, single-use and bound to the browser or the linking user).
  '/authorize',
  '/callback',
]);

export interface RequestHandlerOptions {
  routes: readonly Route<any, any>[];
  /** True while the server drains for shutdown: answers carry `Connection: close`. */
  draining: () => boolean;
  /** The HTTP server's request timeout (ms): a body cut off after it was Node's own 408. */
  requestTimeoutMs?: number;
}

export function createRequestHandler(app: App, options: RequestHandlerOptions) {
  const match = createRouter(options.routes);

  async function authenticate(
    route: Route<any, any>,
    req: IncomingMessage,
    request: RequestInfo,
  ): Promise<HandlerContext<unknown, unknown>['auth']> {
    if (route.auth === 'public') return undefined;
    const now = request.now;
    const token = bearer(req);
    // No bearer token: an admin call may come from the console, authorized by its cookie only
    // together with its CSRF token and a same-origin request (console/guard.ts). A bearer token
    // always wins, so scripts keep using the secret key exactly as before.
    if (!token && route.auth === 'admin' && request.browser.cookieToken !== undefined) {
      await authorizeConsoleCall(app, request.browser, req.method ?? 'GET', now);
      return undefined;
    }
    if (!token) throw new LatchkeyError('no_authorization');
    if (route.auth === 'admin') {
      // Constant-time: response timing must not leak how much of the secret key a guess got right.
      if (secretEquals(token, app.apiKeys.secretKey)) return undefined;
      try {
        verifyAccessToken(app.keys, token, { issuer: app.issuer, audience: 'authenticated', now: now.getTime() / 1000 });
      } catch {
        throw new LatchkeyError('bad_jwt', 'invalid JWT: not the secret key nor a valid token', { status: 401 });
      }
      throw new LatchkeyError('not_admin');
    }
    const claims = verifyAccessToken(app.keys, token, { issuer: app.issuer, audience: 'authenticated', now: now.getTime() / 1000 });
    const live = await findLiveSession(app.db, claims.session_id);
    // A revoked session's access token is refused here even before it expires (GoTrue does the same).
    if (!live || live.user.id !== claims.sub) throw new LatchkeyError('session_not_found');
    return { ...live, claims };
  }

  function checkApiKey(req: IncomingMessage, path: string): void {
    if (!app.config.requireApiKey || EXEMPT_FROM_API_KEY.has(path)) return;
    const key = req.headers.apikey;
    if (typeof key !== 'string' || !(secretEquals(key, app.apiKeys.publishableKey) || secretEquals(key, app.apiKeys.secretKey))) {
      throw new LatchkeyError('invalid_api_key');
    }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomUUID();
    const apiVersion = requestApiVersion(req);
    let routeName = 'unmatched';
    res.setHeader('x-request-id', requestId);
    res.setHeader('access-control-allow-origin', CORS_HEADERS['access-control-allow-origin']);
    res.setHeader('access-control-expose-headers', CORS_HEADERS['access-control-expose-headers']);
    if (apiVersion) res.setHeader(API_VERSION_HEADER_NAME, apiVersion);
    // Credential-bearing responses must never sit in a shared or browser cache (RFC 9111 §5.2.2.5).
    res.setHeader('cache-control', 'no-store');
    if (options.draining()) res.setHeader('connection', 'close');

    try {
      const url = parseTarget(req.url ?? '/');
      if (isConsolePath(url.pathname)) {
        for (const [name, value] of Object.entries(CONSOLE_HEADERS)) res.setHeader(name, value);
        // The console is for its own origin only: no CORS grant, so no other origin may read it.
        res.removeHeader('access-control-allow-origin');
        res.removeHeader('access-control-expose-headers');
        if ((req.method === 'GET' || req.method === 'HEAD') && isConsoleAsset(url.pathname)) {
          routeName = 'GET /console (assets)';
          if (app.config.consoleEnabled) sendConsoleAsset(url.pathname, res, req.method === 'HEAD');
          else throw new LatchkeyError('not_found');
          return;
        }
      }
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
        res.setHeader(
          'access-control-allow-headers',
          req.headers['access-control-request-headers'] ?? 'authorization, apikey, content-type, x-client-info, x-supabase-api-version',
        );
        res.setHeader('access-control-max-age', '86400');
        sendJson(res, 204, undefined);
        return;
      }
      const found = match(req.method ?? 'GET', url.pathname);
      if (!found.route) throw new LatchkeyError(found.methodMismatch ? 'method_not_allowed' : 'not_found');
      const { route, params } = found;
      routeName = `${route.method} ${route.path}`;
      checkApiKey(req, route.path);

      const now = new Date(app.clock());
      const request: RequestInfo = {
        ip: clientIp(req, app.config.trustProxy),
        userAgent: req.headers['user-agent'],
        now,
        cookie: req.headers.cookie,
        browser: browserRequest(req, { issuer: app.issuer, trustProxy: app.config.trustProxy }),
      };
      const query = route.query ? parse(route.query, Object.fromEntries(url.searchParams)) : undefined;
      const rawBody = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
      const body = route.body ? parse(route.body, rawBody ?? {}) : undefined;
      const auth = await authenticate(route, req, request);
      const context = { app, body, query, params, request, auth };
      const byConsole = route.auth === 'admin' && bearer(req) === undefined;
      const reply = byConsole ? await viaConsole.run(true, () => route.handler(context)) : await route.handler(context);
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.raw !== undefined) {
        res.writeHead(reply.status ?? 200, { 'content-length': Buffer.byteLength(reply.raw) });
        res.end(reply.raw);
      } else sendJson(res, reply.status ?? 200, reply.status === 204 ? undefined : reply.body);
    } catch (error) {
      if (error instanceof RequestEndedEarly) {
        // Counted and logged as what it is, never as a 5xx: 408 when Node's request timeout cut
        // the body off (Node answered it), else 499, the client closed the request (nginx's code).
        const timedOut = options.requestTimeoutMs !== undefined && performance.now() - started >= options.requestTimeoutMs - 50;
        res.statusCode = timedOut ? 408 : 499;
        res.destroy();
      } else if (isLatchkeyError(error)) {
        // The rest of an oversized body is not worth reading: close the connection after answering.
        if (error.code === 'request_entity_too_large') res.setHeader('connection', 'close');
        sendError(res, error, apiVersion);
      } else if (isDatabaseUnavailable(error)) {
        // Transient: clients retry 5xx and must not drop their session over it.
        app.log.error('database unavailable', { req_id: requestId, route: routeName });
        if (!res.headersSent) sendError(res, new LatchkeyError('service_unavailable'), apiVersion);
      } else {
        // Log what failed, never the request: no body, header or query string reaches the log.
        app.log.error('request failed', {
          req_id: requestId,
          route: routeName,
          error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
        });
        if (!res.headersSent) sendError(res, new LatchkeyError('unexpected_failure'), apiVersion);
        else res.destroy();
      }
    } finally {
      const seconds = (performance.now() - started) / 1000;
      app.metrics.requests.inc({ route: routeName, status: String(res.statusCode) });
      app.metrics.latency.observe({ route: routeName }, seconds);
      app.log.info('request', {
        req_id: requestId,
        method: req.method,
        route: routeName,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
}
