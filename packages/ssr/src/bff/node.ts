/** The token handler on Node's `http` server and Express: `req`/`res` in, a Web `Request`/`Response` inside. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSsrError, SsrError } from '../errors.js';
import { errorResponse, json } from './respond.js';
import type { TokenHandler } from './token-handler.js';

/** Bodies the routes accept are small JSON documents. */
const MAX_BODY_BYTES = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string | null> {
  // Express's body parsers may have consumed the stream already: use what they parsed.
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) return typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A Web `Request` for a Node request (URL from `Host` and the protocol: Express's `req.protocol`,
 * which honours `trust proxy`, else the socket's TLS), body included.
 *
 * @example
 * const response = await bff.signIn(await toWebRequest(req));
 */
export async function toWebRequest(req: IncomingMessage): Promise<Request> {
  const express = req as { protocol?: unknown; originalUrl?: unknown };
  const protocol =
    typeof express.protocol === 'string' ? express.protocol : (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const path = typeof express.originalUrl === 'string' ? express.originalUrl : (req.url ?? '/');
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  let body: string | null = null;
  if (method !== 'GET' && method !== 'HEAD') {
    body = await readBody(req);
    if (body === null) throw new SsrError('bad_request', 'The request body is too large.');
    // Express may have parsed it: the declared length no longer holds.
    headers.delete('content-length');
  }
  return new Request(new URL(path, `${protocol}://${req.headers.host ?? 'localhost'}`), { method, headers, body });
}

/**
 * Writes a Web `Response` to a Node `res` (every `Set-Cookie` kept apart).
 *
 * @example
 * await sendWebResponse(res, await bff.session(await toWebRequest(req)));
 */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader('set-cookie', cookies);
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * The routes as Node/Express middleware: `sign-in`, `sign-out`, `session` and the email flows'
 * routes under `basePath` (`bff.paths`) are answered; anything else goes to `next()` (or gets a
 * 404 without one).
 *
 * @example
 * app.use(nodeHandler(bff)); // Express: before or after express.json(), either works
 * http.createServer((req, res) => nodeHandler(bff)(req, res));
 */
export function nodeHandler(
  bff: TokenHandler,
): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void> {
  return async (req, res, next) => {
    try {
      const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
      // Match on the path first: only our routes' bodies are read here.
      if (!bff.paths.includes(new URL(path, 'http://localhost').pathname)) {
        if (next) next();
        else await sendWebResponse(res, json(404, { code: 'not_found', message: 'No such route.' }));
        return;
      }
      let request: Request;
      try {
        request = await toWebRequest(req);
      } catch (error) {
        if (!isSsrError(error)) throw error;
        await sendWebResponse(res, errorResponse(error));
        return;
      }
      const response = await bff.handle(request);
      await sendWebResponse(res, response ?? json(404, { code: 'not_found', message: 'No such route.' }));
    } catch (error) {
      if (next) next(error);
      else if (!res.headersSent) await sendWebResponse(res, json(500, { code: 'unexpected_failure', message: 'The request failed.' }));
      else res.destroy();
    }
  };
}
