/**
 * nodeCookies over real HTTP: a plain Node server and an Express app using createServerClient,
 * a browser cookie jar as the client, a real auth server behind. Proves the glue reads the
 * request's cookies, writes Set-Cookie on the response (beside the app's own), keeps
 * req.headers.cookie current for later clients of the same request, and refuses to write after
 * the headers are sent.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerClient, isSsrError, nodeCookies } from '../../src/index.js';
import { signUp, startAuthServer, type TestServer } from '../support/auth-server.js';
import { Browser } from '../support/browser.js';
import { httpServers } from '../support/http.js';
import { network } from '../support/network.js';
import { PASSWORD } from '../support/services.js';

let server: TestServer;
const http = httpServers();
const net = network();
const lateErrors: unknown[] = [];

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await http.closeAll();
  await server?.close();
});

const options = () => ({ url: server.authUrl, fetch: net.fetch, clock: { now: () => server.clock() } });

async function send(base: string, browser: Browser, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { cookie: browser.header(), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  browser.receive(response);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cookies: response.headers.getSetCookie() };
}

describe('plain Node http', () => {
  let base: string;
  beforeAll(async () => {
    base = await http.listen(async (req, res) => {
      const cookies = nodeCookies(req, res);
      const auth = createServerClient({ ...options(), cookies });
      res.setHeader('set-cookie', 'theme=dark; Path=/'); // the app's own cookie survives
      if (req.url === '/sign-in') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const { email } = JSON.parse(Buffer.concat(chunks).toString()) as { email: string };
        const { error } = await auth.signInWithPassword({ email, password: PASSWORD });
        return void res.writeHead(error ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: !error }));
      }
      if (req.url === '/twice') {
        // A second client later in the same request (another middleware): it must see the refreshed cookie.
        const first = await auth.getSession();
        const again = createServerClient({ ...options(), cookies: nodeCookies(req, res) });
        const second = await again.getSession();
        return void res.end(JSON.stringify({ first: first.data.session?.access_token, second: second.data.session?.access_token }));
      }
      if (req.url === '/late') {
        res.end(JSON.stringify({ sent: true }));
        lateErrors.push(await auth.getSession().catch((e: unknown) => e));
        return;
      }
      const { data, error } = await auth.getUser();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: data.user?.id ?? null, code: error?.code ?? null }));
    });
  });

  it('signs in, then reads the user from the cookies on the next request; the app’s own Set-Cookie is kept', async () => {
    const { email, user } = await signUp(server.authUrl);
    const browser = new Browser();
    const signIn = await send(base, browser, '/sign-in', { email });
    expect(signIn.status).toBe(200);
    expect(signIn.cookies[0]).toBe('theme=dark; Path=/');
    expect(signIn.cookies.slice(1).every((line) => line.startsWith('latchkey.auth.token'))).toBe(true);
    // Plain http: no Secure (a development server); the rest as always.
    expect(signIn.cookies[1]).toMatch(/; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    const me = await send(base, browser, '/');
    expect(me.body).toEqual({ id: user.id, code: null });
  });

  it('after expiry the response carries the refreshed cookies, and a second client in the same request reuses them', async () => {
    const { email } = await signUp(server.authUrl);
    const browser = new Browser();
    await send(base, browser, '/sign-in', { email });
    server.clock.advance(61_000);
    const before = net.state.refreshes;
    const twice = await send(base, browser, '/twice');
    expect(twice.body.second).toBe(twice.body.first);
    expect(net.state.refreshes - before).toBe(1);
    // The second client read the new session from req.headers.cookie: it had nothing to write.
    const names = twice.cookies.filter((line) => line.startsWith('latchkey.auth.token')).map((line) => line.split('=')[0]);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });

  it('a cookie write after the response was sent is an SsrError headers_sent, not a silent loss', async () => {
    const { email } = await signUp(server.authUrl);
    const browser = new Browser();
    await send(base, browser, '/sign-in', { email });
    server.clock.advance(61_000); // so the late call refreshes and has cookies to write
    await send(base, browser, '/late');
    for (let i = 0; i < 100 && lateErrors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isSsrError(lateErrors[0], 'headers_sent')).toBe(true);
  });
});

describe('Express', () => {
  it('works as middleware: req.secure decides Secure, and routes see the user', async () => {
    const app = express();
    app.set('trust proxy', true); // behind a TLS-terminating proxy that sets X-Forwarded-Proto
    app.use(express.json());
    app.use((req, res, next) => {
      res.locals.auth = createServerClient({ ...options(), cookies: nodeCookies(req, res) });
      next();
    });
    app.post('/sign-in', async (req, res) => {
      const { error } = await res.locals.auth.signInWithPassword({ email: req.body.email, password: PASSWORD });
      res.status(error ? 400 : 200).json({ ok: !error });
    });
    app.get('/me', async (_req, res) => {
      const { data } = await res.locals.auth.getUser();
      res.json({ id: data.user?.id ?? null });
    });
    const base = await http.listen(app);
    const { email, user } = await signUp(server.authUrl);
    const browser = new Browser();
    const response = await fetch(`${base}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ email }),
    });
    const lines = response.headers.getSetCookie();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.includes('; Secure'))).toBe(true);
    browser.receive(lines);
    const me = await fetch(`${base}/me`, { headers: { cookie: browser.header() } });
    expect(await me.json()).toEqual({ id: user.id });
  });
});
