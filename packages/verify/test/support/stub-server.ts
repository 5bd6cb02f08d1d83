/**
 * A local HTTP server whose answers a test scripts, and which counts what it was asked: stands
 * in for the auth server where a test must count fetches or make it slow, broken or down.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Jwk } from '../../src/types.js';

export interface Hit {
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export type StubHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface StubServer {
  url: string;
  hits: Hit[];
  count(path: string): number;
  /** Replaces the handler of one path. Unknown paths answer 404. */
  on(path: string, handler: StubHandler): void;
  close(): Promise<void>;
}

export async function startStub(): Promise<StubServer> {
  const handlers = new Map<string, StubHandler>();
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stub').pathname;
    hits.push({ path, url: req.url ?? '', headers: req.headers });
    const handler = handlers.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    count: (path) => hits.filter((h) => h.path === path).length,
    on: (path, handler) => handlers.set(path, handler),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const JWKS_PATH = '/auth/v1/.well-known/jwks.json';

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): StubHandler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

/** Answers with whatever JWKS `keys()` returns at request time. */
export const serveKeys =
  (keys: () => Jwk[]): StubHandler =>
  (req, res) =>
    json(200, { keys: keys() })(req, res);

/** Never answers (the connection stays open until the server closes). */
export const hang: StubHandler = () => {};

/** Drops the connection without an answer: a network error for the client. */
export const reset: StubHandler = (req) => req.socket.destroy();
