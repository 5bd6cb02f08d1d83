/**
 * The callback route: a PKCE flow started by a server client (verifier in a cookie), the link
 * followed, the code exchanged for a cookie session; recovery, errors, open-redirect attempts,
 * token-hash links, and the Node glue.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signInWithOtp, resetPasswordForEmail } from '@latchkey/client';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authCallback, createServerClient, isSsrError, nodeAuthCallback, webCookies } from '../src/index.js';
import { Browser, sessionIn } from './support/browser.js';
import { AUTH, fakeGoTrue } from './support/fake-gotrue.js';

const APP = 'https://app.example';
const VERIFIER_COOKIE = 'latchkey.auth.token-code-verifier';

/** A request of the browser to the app that starts a flow on the server, as a login form's POST handler would. */
async function startFlow(browser: Browser, gotrue: ReturnType<typeof fakeGoTrue>, recovery = false, cookieOptions = {}) {
  const cookies = webCookies(new Request(`${APP}/login`, { method: 'POST', headers: { cookie: browser.header() } }));
  const auth = createServerClient({ url: AUTH, cookies, fetch: gotrue.fetch, cookieOptions });
  const redirect = `${APP}/auth/callback?next=%2Finbox`;
  const { error } = recovery
    ? await resetPasswordForEmail(auth, 'ada@example.com', { redirectTo: redirect })
    : await signInWithOtp(auth, { email: 'ada@example.com', emailRedirectTo: redirect });
  expect(error).toBeNull();
  browser.receive(cookies.setCookieHeaders());
  return cookies.setCookieHeaders();
}

function callback(gotrue: ReturnType<typeof fakeGoTrue>, options: Partial<Parameters<typeof authCallback>[0]> = {}) {
  return authCallback({
    url: AUTH,
    fetch: gotrue.fetch,
    redirectTo: '/home',
    recoveryRedirectTo: '/new-password',
    errorRedirectTo: '/login',
    ...options,
  });
}

/** Where the browser goes next, resolved as a browser resolves `Location`. */
function location(response: Response): URL {
  return new URL(response.headers.get('location')!, `${APP}/auth/callback`);
}

function follow(browser: Browser, query: string): Request {
  return new Request(`${APP}/auth/callback?${query}`, { headers: { cookie: browser.header() } });
}

describe('authCallback', () => {
  it('the server starts the flow: the verifier goes into a short-lived HttpOnly, Lax cookie; its challenge to the auth server', async () => {
    const gotrue = fakeGoTrue();
    const lines = await startFlow(new Browser(), gotrue);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${VERIFIER_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=86400; HttpOnly; Secure; SameSite=Lax$`));
    const verifier = lines[0]!.split(';')[0]!.split('=')[1]!;
    expect(gotrue.calls[0]).toMatchObject({
      path: '/otp?redirect_to=https%3A%2F%2Fapp.example%2Fauth%2Fcallback%3Fnext%3D%252Finbox',
      body: { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 's256' },
    });
  });

  it('the link comes back: the code is exchanged with the cookie’s verifier, the session set, the verifier cleared, on to `next`', async () => {
    const gotrue = fakeGoTrue();
    const browser = new Browser();
    await startFlow(browser, gotrue);
    const verifier = browser.cookies.get(VERIFIER_COOKIE)!.value;
    const response = await callback(gotrue)(follow(browser, `code=${gotrue.followLink()}&next=%2Finbox`));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/inbox'); // relative: a proxy's internal origin never shows
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(gotrue.calls.at(-1)).toMatchObject({ path: '/token?grant_type=pkce', body: { code_verifier: verifier } });
    browser.receive(response);
    expect(sessionIn(browser)?.access_token).toBe('access-1');
    expect(browser.cookies.has(VERIFIER_COOKIE)).toBe(false);
  });

  it('a recovery goes to recoveryRedirectTo, whatever `next` says', async () => {
    const gotrue = fakeGoTrue();
    const browser = new Browser();
    await startFlow(browser, gotrue, true);
    const response = await callback(gotrue)(follow(browser, `code=${gotrue.followLink()}&next=%2Finbox`));
    expect(response.headers.get('location')).toBe('/new-password');
  });

  it('opened in another browser (no verifier cookie): pkce_code_verifier_not_found, to errorRedirectTo, nothing sent', async () => {
    const gotrue = fakeGoTrue();
    await startFlow(new Browser(), gotrue);
    const before = gotrue.calls.length;
    const response = await callback(gotrue)(follow(new Browser(), `code=${gotrue.followLink()}`));
    const target = location(response);
    expect(target.pathname).toBe('/login');
    expect(target.searchParams.get('error_code')).toBe('pkce_code_verifier_not_found');
    expect(gotrue.calls).toHaveLength(before);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('a used code: the auth server’s code, and the verifier cleared (a code works once)', async () => {
    const gotrue = fakeGoTrue();
    const browser = new Browser();
    await startFlow(browser, gotrue);
    const response = await callback(gotrue)(follow(browser, 'code=never-issued'));
    expect(location(response).searchParams.get('error_code')).toBe('flow_state_not_found');
    browser.receive(response);
    expect(browser.names()).toEqual([]);
  });

  it('GoTrue’s error redirect is passed on to errorRedirectTo; a session the browser had is kept', async () => {
    const gotrue = fakeGoTrue();
    const browser = new Browser();
    const response = await callback(gotrue)(
      follow(browser, 'error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired'),
    );
    const target = location(response);
    expect(`${target.pathname}?${target.searchParams}`).toBe(
      '/login?error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired',
    );
    expect(gotrue.calls).toEqual([]);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('`next` must be a path on this origin: no open redirect', async () => {
    for (const next of [
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'https://evil.example/',
      '/%09/evil.example',
      '\t//evil.example',
      'evil',
    ]) {
      const gotrue = fakeGoTrue();
      const browser = new Browser();
      await startFlow(browser, gotrue);
      const response = await callback(gotrue)(follow(browser, `code=${gotrue.followLink()}&next=${encodeURIComponent(next)}`));
      const target = location(response);
      expect(target.origin, next).toBe(APP);
      expect(['/home', '/%09/evil.example']).toContain(target.pathname); // a same-origin path, however odd, is fine
    }
  });

  it('token-hash links only when asked for (verifyTokenHash), verified server-side', async () => {
    const gotrue = fakeGoTrue();
    const off = await callback(gotrue)(follow(new Browser(), 'token_hash=abc&type=magiclink'));
    expect(location(off).searchParams.get('error_code')).toBe('validation_failed');
    expect(gotrue.calls).toEqual([]);
    const browser = new Browser();
    const on = await callback(gotrue, { verifyTokenHash: true })(follow(browser, 'token_hash=abc&type=recovery'));
    expect(gotrue.calls[0]).toMatchObject({ path: '/verify', body: { type: 'recovery', token_hash: 'abc' } });
    expect(on.headers.get('location')).toBe('/new-password');
    expect(sessionIn(browser.receive(on))?.access_token).toBe('access-1');
    const bad = await callback(gotrue, { verifyTokenHash: true })(follow(new Browser(), 'token_hash=bad&type=email'));
    expect(location(bad).searchParams.get('error_code')).toBe('otp_expired');
  });

  it('a Strict session cookie still gets a Lax verifier (the link arrives from another site)', async () => {
    const lines = await startFlow(new Browser(), fakeGoTrue(), false, { sameSite: 'Strict' });
    expect(lines[0]).toMatch(/; SameSite=Lax$/);
  });

  it('refuses redirect options that are neither a path nor an absolute URL', () => {
    for (const redirectTo of ['//evil.example', 'home', 'javascript:alert(1)']) {
      expect(() => authCallback({ url: AUTH, redirectTo })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
    try {
      authCallback({ url: AUTH, errorRedirectTo: 'x' });
    } catch (error) {
      expect(isSsrError(error, 'invalid_argument')).toBe(true);
    }
  });
});

describe('nodeAuthCallback', () => {
  it('answers a Node request with the 303 and the cookies', async () => {
    const gotrue = fakeGoTrue();
    const browser = new Browser();
    await startFlow(browser, gotrue);
    const handler = nodeAuthCallback({ url: AUTH, fetch: gotrue.fetch, redirectTo: '/home' });
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/auth/callback?code=${gotrue.followLink()}`, {
        headers: { cookie: browser.header() },
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/home');
      browser.receive(response);
      expect(sessionIn(browser)?.access_token).toBe('access-1');
      expect(browser.cookies.has(VERIFIER_COOKIE)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
