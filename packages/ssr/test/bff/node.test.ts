/**
 * The Node/Express adapter over real HTTP: the routes mounted as middleware, getAccessToken on
 * Express's `req` for proxying, other paths passed on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenHandler, memoryLock, memoryStore, nodeHandler, type TokenHandler } from '../../src/bff/index.js';
import { signUp, startAuthServer, whoAmI, type TestServer } from '../support/auth-server.js';
import { Browser } from '../support/browser.js';
import { PASSWORD } from '../support/services.js';

let server: TestServer;
const servers: Server[] = [];

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  await server?.close();
});

async function listen(app: Parameters<typeof createServer>[1]): Promise<string> {
  const http = createServer(app);
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

function bffFor(origin: string): TokenHandler {
  return createTokenHandler({
    authUrl: server.authUrl,
    store: memoryStore(),
    lock: memoryLock(),
    origins: [origin],
    clock: { now: () => server.clock() },
  });
}

/** Browser-side: a request from the app's page at `origin`, sent to `base`. */
async function call(base: string, origin: string, browser: Browser, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { cookie: browser.header(), origin, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  browser.receive(response);
  return response;
}

describe('Express', () => {
  it('mounts the routes, proxies with getAccessToken(req), and passes other paths on', async () => {
    const origin = 'https://app.example';
    let bff!: TokenHandler;
    const app = express();
    app.use(express.json()); // a body parser before the handler: it must cope
    app.use((req, res, next) => void nodeHandler(bff)(req, res, next));
    app.get('/api/me', async (req, res) => {
      const { data, error } = await bff.getAccessToken(req);
      if (error) return void res.status(error.status).json({ code: error.code });
      const check = await whoAmI(server.authUrl, data.accessToken);
      res.json({ id: check.id, status: check.status });
    });
    app.use((_req, res) => void res.status(404).json({ code: 'app_404' }));
    const base = await listen(app);
    bff = bffFor(origin);

    const { email } = await signUp(server.authUrl);
    const browser = new Browser();
    const signIn = await call(base, origin, browser, '/auth/sign-in', { method: 'POST', body: { email, password: PASSWORD } });
    expect(signIn.status).toBe(200);
    expect(browser.names()).toEqual(['__Host-latchkey-session']);

    const me = await call(base, origin, browser, '/api/me');
    expect(await me.json()).toMatchObject({ status: 200 });
    expect((await call(base, origin, browser, '/auth/session')).status).toBe(200);
    expect(await (await call(base, origin, browser, '/elsewhere')).json()).toEqual({ code: 'app_404' });

    const signOut = await call(base, origin, browser, '/auth/sign-out', { method: 'POST' });
    expect(signOut.status).toBe(204);
    expect(browser.names()).toEqual([]);
    expect((await call(base, origin, browser, '/api/me')).status).toBe(401);
  });
});

describe('plain Node http', () => {
  it('serves the routes without a next(), answering 404 elsewhere', async () => {
    let bff!: TokenHandler;
    const base = await listen((req, res) => void nodeHandler(bff)(req, res));
    bff = bffFor(base); // the page and the BFF share an origin here
    const { email } = await signUp(server.authUrl);
    const browser = new Browser();
    expect((await call(base, base, browser, '/auth/sign-in', { method: 'POST', body: { email, password: PASSWORD } })).status).toBe(200);
    expect((await call(base, base, browser, '/auth/session')).status).toBe(200);
    expect((await call(base, base, browser, '/nope')).status).toBe(404);
    const tooBig = await call(base, base, browser, '/auth/sign-in', { method: 'POST', body: { email, password: 'x'.repeat(70_000) } });
    expect(tooBig.status).toBe(400);
  });
});
