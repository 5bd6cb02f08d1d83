/**
 * Issue #14's provider sign-in on the server side, end to end: a real Latchkey server (in-process,
 * real HTTP, PGlite) and a real OpenID provider (node-oidc-provider). The browser is two cookie
 * jars: the app's (`Browser`, what the app's routes see) and the one for the auth server and the
 * provider (`CookieJar`, walked through the provider's login and consent pages over HTTP).
 *
 * - The BFF: `GET /auth/authorize?provider=idp` → auth server → provider → auth server →
 *   `/auth/callback?code=…` → the opaque session cookie, the tokens kept server-side.
 * - A server client (`signInWithOAuth` with `flowType: 'pkce'`, verifier in a cookie) ending at
 *   `authCallback`, which sets the cookie session.
 */
import { randomBytes } from 'node:crypto';
import { signInWithOAuth } from '@latchkey/client';
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authCallback, createServerClient, DEFAULT_COOKIE_NAME, webCookies } from '../../src/index.js';
import { APP, appRequest, handler } from '../support/bff.js';
import { Browser, sessionIn } from '../support/browser.js';
import { browse, CookieJar, oidcProvider, startIdp, type TestIdp } from '../support/oidc-idp.js';

const BFF_SESSION = '__Host-latchkey-session';
const BFF_VERIFIER = '__Host-latchkey-session-verifier';
const redirects = { signedIn: '/home', recovery: '/new-password', failed: '/login' };

let idp: TestIdp;
let server: TestServer;

beforeAll(async () => {
  idp = await startIdp();
  server = await startTestServer({
    config: {
      siteUrl: APP,
      externalProviders: {
        idp: oidcProvider('idp', idp.issuer),
      },
    },
  });
  idp.configure([`${server.authUrl}/callback`]);
});

afterAll(async () => {
  await server?.close();
  await idp?.close();
});

/** A new account at the provider, with a verified email. */
function account(): { login: string; email: string } {
  const login = `acct-${randomBytes(6).toString('hex')}`;
  const email = `${login}@idp.example`;
  idp.accounts.set(login, { email, email_verified: true, name: 'Grace Hopper' });
  return { login, email };
}

/** From the app's 303 to the auth server, through the provider, until the browser heads back to the app. */
const toApp = (start: Response, login: string) => browse(start.headers.get('location')!, new CookieJar(), APP, login);

/** The provider's return, as the browser brings it to the app: a top-level navigation from another site. */
const arrive = (browser: Browser, landed: URL) =>
  new Request(landed.href, { headers: { cookie: browser.header(), 'sec-fetch-site': 'cross-site' } });

describe('BFF: "Continue with …" (GET /auth/authorize)', () => {
  it('the provider flow ends with the opaque session cookie; /session answers the provider’s user, no token reaches the browser', async () => {
    const { login, email } = account();
    const { bff } = handler(server, { redirects });
    const browser = new Browser();
    const start = await bff.handle(appRequest(browser, '/auth/authorize?provider=idp&next=%2Fnotes'));
    expect(start?.status).toBe(303);
    const to = new URL(start!.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${server.authUrl}/authorize`);
    expect(to.searchParams.get('provider')).toBe('idp');
    expect(to.searchParams.get('code_challenge_method')).toBe('s256');
    expect(to.searchParams.get('redirect_to')).toBe(`${APP}/auth/callback?next=%2Fnotes`);
    browser.receive(start!);
    expect(browser.names()).toEqual([BFF_VERIFIER]);

    const landed = await toApp(start!, login);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${APP}/auth/callback`);
    expect(landed.searchParams.get('code')).toBeTruthy();
    const done = await bff.handle(arrive(browser, landed));
    expect(done?.status).toBe(303);
    expect(done!.headers.get('location')).toBe('/notes');
    browser.receive(done!);
    expect(browser.names()).toEqual([BFF_SESSION]);

    const session = await bff.session(appRequest(browser, '/auth/session'));
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { email: string; app_metadata: { provider: string } } };
    expect(body.user.email).toBe(email);
    expect(body.user.app_metadata.provider).toBe('idp');
    expect(JSON.stringify(body)).not.toMatch(/access_token|refresh_token|provider_token/);
  });

  it('the code of a flow started in another browser: redirects.failed, no session', async () => {
    const { login } = account();
    const { bff } = handler(server, { redirects });
    const started = new Browser();
    const start = await bff.signInWithProvider(appRequest(started, '/auth/authorize?provider=idp'));
    const landed = await toApp(start, login);
    const other = new Browser();
    const done = await bff.callback(arrive(other, landed));
    const target = new URL(done.headers.get('location')!, APP);
    expect(target.pathname).toBe('/login');
    expect(target.searchParams.get('error_code')).toBe('pkce_code_verifier_not_found');
    expect(other.receive(done).cookies.has(BFF_SESSION)).toBe(false);
  });

  it('the provider refuses (a denied consent): back at redirects.failed with its error, nothing signed in', async () => {
    const { bff } = handler(server, { redirects });
    const browser = new Browser();
    const start = await bff.signInWithProvider(appRequest(browser, '/auth/authorize?provider=idp'));
    browser.receive(start);
    const jar = new CookieJar();
    const atAuth = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    jar.take(atAuth);
    const state = new URL(atAuth.headers.get('location')!).searchParams.get('state')!;
    // What a provider sends back when the user says no (RFC 6749 §4.1.2.1).
    const refused = `${server.authUrl}/callback?state=${encodeURIComponent(state)}&error=access_denied&error_description=The+user+said+no`;
    const back = await fetch(refused, { redirect: 'manual', headers: { cookie: jar.header() } });
    const landed = new URL(back.headers.get('location')!);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${APP}/auth/callback`);

    const done = await bff.callback(arrive(browser, landed));
    const target = new URL(done.headers.get('location')!, APP);
    expect(target.pathname).toBe('/login');
    expect(target.searchParams.get('error_code')).toBe('access_denied');
    expect(target.searchParams.get('error_description')).toBe('The user said no');
    expect(browser.receive(done).cookies.has(BFF_SESSION)).toBe(false);
  });

  it('refused: started from another site, an unusable provider name, a `next` off this origin — each to redirects.failed', async () => {
    const { bff } = handler(server, { redirects });
    const cases: [string, Record<string, string>, string][] = [
      ['/auth/authorize?provider=idp', { 'sec-fetch-site': 'cross-site' }, 'csrf_rejected'],
      ['/auth/authorize?provider=no%20such', {}, 'validation_failed'],
      ['/auth/authorize', {}, 'validation_failed'],
      ['/auth/authorize?provider=idp&next=https%3A%2F%2Fevil.example', {}, 'validation_failed'],
    ];
    for (const [path, headers, code] of cases) {
      const response = await bff.signInWithProvider(appRequest(new Browser(), path, { headers }));
      expect(response.status).toBe(303);
      const target = new URL(response.headers.get('location')!, APP);
      expect([path, target.pathname, target.searchParams.get('error_code')]).toEqual([path, '/login', code]);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    const post = await bff.handle(appRequest(new Browser(), '/auth/authorize?provider=idp', { method: 'POST' }));
    expect(post?.status).toBe(405);
  });
});

describe('a server client and authCallback', () => {
  const VERIFIER = `${DEFAULT_COOKIE_NAME}-code-verifier`;

  it('signInWithOAuth on a server client keeps the verifier in a cookie; authCallback exchanges the code: the cookie session', async () => {
    const { login, email } = account();
    const browser = new Browser();
    const cookies = webCookies(new Request(`${APP}/login`, { method: 'POST', headers: { cookie: browser.header() } }));
    const auth = createServerClient({ url: server.authUrl, cookies, clock: { now: () => server.clock() } });
    const { data, error } = await signInWithOAuth(auth, { provider: 'idp', redirectTo: `${APP}/auth/callback?next=%2Fnotes` });
    expect(error).toBeNull();
    browser.receive(cookies.setCookieHeaders());
    expect(browser.names()).toEqual([VERIFIER]);

    const landed = await browse(data.url!, new CookieJar(), APP, login);
    const route = authCallback({ url: server.authUrl, redirectTo: '/home', errorRedirectTo: '/login' });
    const response = await route(arrive(browser, landed));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/notes');
    browser.receive(response);
    expect(browser.cookies.has(VERIFIER)).toBe(false);
    const session = sessionIn(browser) as { user: { email: string; app_metadata: { provider: string } } } | null;
    expect(session?.user.email).toBe(email);
    expect(session?.user.app_metadata.provider).toBe('idp');
  });
});
