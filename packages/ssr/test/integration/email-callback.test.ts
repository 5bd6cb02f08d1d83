/**
 * The email-link callback end to end against a real Latchkey server (in-process, real HTTP,
 * PGlite), not the scripted GoTrue of the unit tests: a server client (or the BFF) starts the flow
 * and the verifier goes to the browser's cookies, the message is read from the dev outbox
 * (`GET /admin/outbox`, secret key), its link is followed over HTTP (`redirect: 'manual'`) to the
 * app's callback, and the callback exchanges the code for a cookie session.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetPasswordForEmail, signInWithOtp } from '@latchkey/client';
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authCallback, createServerClient, DEFAULT_COOKIE_NAME, nodeAuthCallback, webCookies } from '../../src/index.js';
import { APP, appRequest, handler } from '../support/bff.js';
import { Browser, sessionIn } from '../support/browser.js';
import { email, PASSWORD } from '../support/services.js';

const VERIFIER = `${DEFAULT_COOKIE_NAME}-code-verifier`;
const BFF_SESSION = '__Host-latchkey-session';
const BFF_VERIFIER = '__Host-latchkey-session-verifier';

/** A Node server for nodeAuthCallback: its origin must be known before the auth server starts (the site URL). */
let nodeApp: Server;
let nodeOrigin: string;
let server: TestServer;

beforeAll(async () => {
  let route: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  nodeApp = createServer((req, res) => void route?.(req, res));
  await new Promise<void>((resolve) => nodeApp.listen(0, '127.0.0.1', resolve));
  nodeOrigin = `http://127.0.0.1:${(nodeApp.address() as AddressInfo).port}`;
  server = await startTestServer({ config: { siteUrl: APP, uriAllowList: [`${nodeOrigin}/**`] } });
  route = nodeAuthCallback({ url: server.authUrl, redirectTo: '/home', recoveryRedirectTo: '/new-password', errorRedirectTo: '/login' });
});

afterAll(async () => {
  await new Promise<void>((resolve) => (nodeApp ? nodeApp.close(() => resolve()) : resolve()));
  await server?.close();
});

async function registered(): Promise<string> {
  const address = email();
  const response = await fetch(`${server.authUrl}/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: address, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return address;
}

/** The newest message the dev outbox holds for `to`. */
async function latestMail(to: string): Promise<{ kind: string; link: string; code: string }> {
  const response = await fetch(`${server.authUrl}/admin/outbox?to=${encodeURIComponent(to)}`, {
    headers: { authorization: `Bearer ${server.secretKey}` },
  });
  const { messages } = (await response.json()) as { messages: { kind: string; link: string; code: string }[] };
  if (!messages[0]) throw new Error(`no mail for ${to}`);
  return messages[0];
}

/** Follows an email link one hop, as the browser does: where the auth server sends it. */
async function follow(link: string): Promise<URL> {
  const response = await fetch(link, { redirect: 'manual' });
  expect(response.status).toBe(303);
  return new URL(response.headers.get('location')!);
}

/** A server client over the browser's cookies for one request (a form post of the app). */
function serverClient(browser: Browser) {
  const cookies = webCookies(new Request(`${APP}/login`, { method: 'POST', headers: { cookie: browser.header() } }));
  const auth = createServerClient({ url: server.authUrl, cookies, clock: { now: () => server.clock() } });
  return { auth, done: () => browser.receive(cookies.setCookieHeaders()) };
}

/** The link's landing, as the browser sends it to the app: a top-level navigation with its cookies. */
const arrive = (browser: Browser, landed: URL) =>
  new Request(landed.href, { headers: { cookie: browser.header(), 'sec-fetch-site': 'cross-site' } });

describe('authCallback (web) against the real server', () => {
  // Made per test: the auth server's URL is known once it has started.
  const route = () =>
    authCallback({ url: server.authUrl, redirectTo: '/home', recoveryRedirectTo: '/new-password', errorRedirectTo: '/login' });

  it('signInWithOtp on a server client (verifier cookie) → link → callback: 303 to next, session cookie set, verifier gone', async () => {
    const address = await registered();
    const browser = new Browser();
    const start = serverClient(browser);
    expect((await signInWithOtp(start.auth, { email: address, emailRedirectTo: `${APP}/auth/callback?next=%2Fnotes` })).error).toBeNull();
    start.done();
    expect(browser.names()).toEqual([VERIFIER]);

    const landed = await follow((await latestMail(address)).link);
    expect(landed.pathname).toBe('/auth/callback');
    expect(landed.searchParams.get('next')).toBe('/notes');
    expect(landed.searchParams.get('code')).toBeTruthy();

    const response = await route()(arrive(browser, landed));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/notes');
    browser.receive(response);
    expect(browser.cookies.has(VERIFIER)).toBe(false);
    expect(sessionIn(browser)?.user.id).toBeTruthy();

    // The cookie session is a real one: the next request's server client sees the user.
    const next = serverClient(browser);
    expect((await next.auth.getUser()).data.user?.email).toBe(address);
  });

  it('a recovery link lands on recoveryRedirectTo signed in; updateUser there sets the new password', async () => {
    const address = await registered();
    const browser = new Browser();
    const start = serverClient(browser);
    await resetPasswordForEmail(start.auth, address, { redirectTo: `${APP}/auth/callback` });
    start.done();
    const landed = await follow((await latestMail(address)).link);
    const response = await route()(arrive(browser, landed));
    expect(response.headers.get('location')).toBe('/new-password');
    browser.receive(response);

    const page = serverClient(browser);
    expect((await page.auth.updateUser({ password: 'a new passphrase here' })).error).toBeNull();
    page.done();
    const signIn = await fetch(`${server.authUrl}/token?grant_type=password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: address, password: 'a new passphrase here' }),
    });
    expect(signIn.status).toBe(200);
  });

  it('the link opened in another browser: errorRedirectTo with pkce_code_verifier_not_found, no session', async () => {
    const address = await registered();
    const browser = new Browser();
    const start = serverClient(browser);
    await signInWithOtp(start.auth, { email: address, emailRedirectTo: `${APP}/auth/callback` });
    start.done();
    const landed = await follow((await latestMail(address)).link);
    const response = await route()(arrive(new Browser(), landed));
    const target = new URL(response.headers.get('location')!, APP);
    expect(target.pathname).toBe('/login');
    expect(target.searchParams.get('error_code')).toBe('pkce_code_verifier_not_found');
    expect(sessionIn(new Browser().receive(response))).toBeNull();
  });

  it('a used link lands on errorRedirectTo, no session (the error code is generic: see the comment)', async () => {
    const address = await registered();
    const browser = new Browser();
    const start = serverClient(browser);
    await signInWithOtp(start.auth, { email: address, emailRedirectTo: `${APP}/auth/callback` });
    start.done();
    const { link } = await latestMail(address);
    await follow(link);
    const again = await follow(link);
    // The server puts a failed link's error in the fragment only, PKCE or not (GoTrue also puts it in
    // the query for a PKCE link, where a server route can read it). The callback sees no code.
    expect(new URLSearchParams(again.hash.slice(1)).get('error_code')).toBe('otp_expired');
    const response = await route()(arrive(browser, again));
    const target = new URL(response.headers.get('location')!, APP);
    expect(target.pathname).toBe('/login');
    expect(target.searchParams.get('error_code')).toBeTruthy();
    expect(sessionIn(browser.receive(response))).toBeNull();
  });
});

describe('nodeAuthCallback on a real Node server', () => {
  it('the link comes back to the Node route over HTTP: 303 to redirectTo with the session cookies', async () => {
    const address = await registered();
    const browser = new Browser();
    const start = serverClient(browser);
    await signInWithOtp(start.auth, { email: address, emailRedirectTo: `${nodeOrigin}/auth/callback` });
    start.done();
    const landed = await follow((await latestMail(address)).link);
    expect(landed.origin).toBe(nodeOrigin);
    const response = await fetch(landed, { headers: { cookie: browser.header() }, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/home');
    browser.receive(response);
    expect(browser.cookies.has(VERIFIER)).toBe(false);
    expect(sessionIn(browser)?.user.id).toBeTruthy();
  });
});

describe('BFF email routes against the real server', () => {
  const redirects = { signedIn: '/home', recovery: '/new-password', failed: '/login' };

  it('sendMagicLink → the link → callback: a BFF session (cookie, no tokens in the browser); /session answers the user', async () => {
    const address = await registered();
    const { bff } = handler(server, { redirects });
    const browser = new Browser();
    const sent = await bff.sendMagicLink(appRequest(browser, '/auth/otp', { method: 'POST', body: { email: address, next: '/notes' } }));
    expect(sent.status).toBe(200);
    browser.receive(sent);
    expect(browser.names()).toEqual([BFF_VERIFIER]);

    const landed = await follow((await latestMail(address)).link);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${APP}/auth/callback`);
    const response = await bff.callback(arrive(browser, landed));
    expect(response.headers.get('location')).toBe('/notes');
    browser.receive(response);
    expect(browser.names()).toEqual([BFF_SESSION]);
    const session = await bff.session(appRequest(browser, '/auth/session'));
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { email: string } };
    expect(body.user.email).toBe(address);
    expect(JSON.stringify(body)).not.toMatch(/access_token|refresh_token/);
  });

  it('the code from the email through verify: a BFF session', async () => {
    const address = await registered();
    const { bff } = handler(server, { redirects });
    const browser = new Browser();
    browser.receive(await bff.sendMagicLink(appRequest(browser, '/auth/otp', { method: 'POST', body: { email: address } })));
    const { code } = await latestMail(address);
    const verified = await bff.verify(
      appRequest(browser, '/auth/verify', { method: 'POST', body: { type: 'email', email: address, token: code } }),
    );
    expect(verified.status).toBe(200);
    browser.receive(verified);
    expect(browser.cookies.has(BFF_SESSION)).toBe(true);
    expect((await bff.session(appRequest(browser, '/auth/session'))).status).toBe(200);
  });

  it('sendRecovery → link → callback lands on redirects.recovery → setPassword; the new password signs in', async () => {
    const address = await registered();
    const { bff } = handler(server, { redirects });
    const browser = new Browser();
    browser.receive(await bff.sendRecovery(appRequest(browser, '/auth/recover', { method: 'POST', body: { email: address } })));
    const landed = await follow((await latestMail(address)).link);
    const response = await bff.callback(arrive(browser, landed));
    expect(response.headers.get('location')).toBe('/new-password');
    browser.receive(response);

    const set = await bff.setPassword(appRequest(browser, '/auth/password', { method: 'POST', body: { password: 'set through the bff' } }));
    expect(set.status).toBe(200);
    const fresh = new Browser();
    const signIn = await bff.signIn(
      appRequest(fresh, '/auth/sign-in', { method: 'POST', body: { email: address, password: 'set through the bff' } }),
    );
    expect(signIn.status).toBe(200);
    const old = await bff.signIn(
      appRequest(new Browser(), '/auth/sign-in', { method: 'POST', body: { email: address, password: PASSWORD } }),
    );
    expect(old.status).toBe(400);
  });

  it('a link of another browser: redirects.failed with pkce_code_verifier_not_found', async () => {
    const address = await registered();
    const { bff } = handler(server, { redirects });
    const browser = new Browser();
    browser.receive(await bff.sendMagicLink(appRequest(browser, '/auth/otp', { method: 'POST', body: { email: address } })));
    const landed = await follow((await latestMail(address)).link);
    const response = await bff.callback(arrive(new Browser(), landed));
    const target = new URL(response.headers.get('location')!, APP);
    expect(target.pathname).toBe('/login');
    expect(target.searchParams.get('error_code')).toBe('pkce_code_verifier_not_found');
  });
});
