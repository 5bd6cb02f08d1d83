/** The server client with the email flows exported as functions: they run on it and write their cookies; flowType. */
import { signInWithOtp, verifyOtp } from '@latchkey/client';
import { describe, expect, it } from 'vitest';
import { createServerClient, webCookies } from '../src/index.js';
import { Browser, sessionIn } from './support/browser.js';
import { AUTH, fakeGoTrue } from './support/fake-gotrue.js';

function request(browser: Browser, gotrue: ReturnType<typeof fakeGoTrue>, flowType?: 'pkce' | 'implicit') {
  const cookies = webCookies(new Request('https://app.example/login', { method: 'POST', headers: { cookie: browser.header() } }));
  return { cookies, auth: createServerClient({ url: AUTH, cookies, fetch: gotrue.fetch, flowType }) };
}

describe('server client and the email flows', () => {
  it('verifyOtp on a server client writes the session cookies, like its own methods do', async () => {
    const gotrue = fakeGoTrue();
    const browser = new Browser();
    const { auth, cookies } = request(browser, gotrue);
    const { error } = await verifyOtp(auth, { type: 'email', email: 'ada@example.com', token: '123456' });
    expect(error).toBeNull();
    expect(sessionIn(browser.receive(cookies.setCookieHeaders()))?.access_token).toBe('access-1');
  });

  it('pkce by default (a fragment never reaches a server); implicit on request: no challenge, no verifier cookie', async () => {
    const gotrue = fakeGoTrue();
    const pkce = request(new Browser(), gotrue);
    await signInWithOtp(pkce.auth, { email: 'ada@example.com' });
    expect(gotrue.calls[0]?.body.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pkce.cookies.setCookieHeaders()).toHaveLength(1);
    const implicit = request(new Browser(), gotrue, 'implicit');
    await signInWithOtp(implicit.auth, { email: 'ada@example.com' });
    expect(gotrue.calls[1]?.body).not.toHaveProperty('code_challenge');
    expect(implicit.cookies.setCookieHeaders()).toEqual([]);
  });

  it('keeps the client’s symbol-keyed entry (the flows reach the client through it), and no other new key', () => {
    const { auth } = request(new Browser(), fakeGoTrue());
    expect(Object.getOwnPropertySymbols(auth)).toHaveLength(1);
    expect(Object.keys(auth)).toHaveLength(15);
  });
});
