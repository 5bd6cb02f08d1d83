/** GET callback: the link's code exchanged with the browser's verifier cookie for a BFF session; recovery; failures. */
import { describe, expect, it } from 'vitest';
import { appRequest } from '../../support/bff.js';
import { SESSION, VERIFIER, emailHandler } from '../../support/bff-email.js';
import { Browser } from '../../support/browser.js';

async function asked(kind: 'otp' | 'recover', handler = emailHandler()) {
  const browser = new Browser();
  const send = kind === 'otp' ? handler.bff.sendMagicLink : handler.bff.sendRecovery;
  browser.receive(await send(appRequest(browser, `/auth/${kind}`, { method: 'POST', body: { email: 'ada@example.com', next: '/inbox' } })));
  return { ...handler, browser };
}

function follow(browser: Browser, query: string): Request {
  // A top-level navigation from the mail client: no Origin, cross-site.
  return new Request(`https://app.example/auth/callback?${query}`, {
    headers: { cookie: browser.header(), 'sec-fetch-site': 'cross-site' },
  });
}

const target = (response: Response) => new URL(response.headers.get('location')!, 'https://app.example/auth/callback');

describe('callback route', () => {
  it('exchanges the code with the cookie’s verifier, starts a BFF session, clears the verifier, goes on to `next`', async () => {
    const { bff, gotrue, browser } = await asked('otp');
    const verifier = browser.cookies.get(VERIFIER)!.value;
    const response = await bff.callback(follow(browser, `code=${gotrue.followLink()}&next=%2Finbox`));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/inbox');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(gotrue.calls.at(-1)).toMatchObject({ path: '/token?grant_type=pkce', body: { code_verifier: verifier } });
    browser.receive(response);
    expect(browser.names()).toEqual([SESSION]);
    const session = await bff.session(appRequest(browser, '/auth/session'));
    expect(session.status).toBe(200);
    expect(JSON.stringify(await session.json())).not.toMatch(/access_token|refresh_token/);
  });

  it('a recovery link lands on redirects.recovery, signed in', async () => {
    const { bff, gotrue, browser } = await asked('recover');
    const response = await bff.callback(follow(browser, `code=${gotrue.followLink()}&next=%2Finbox`));
    expect(response.headers.get('location')).toBe('/new-password');
    expect(browser.receive(response).names()).toEqual([SESSION]);
  });

  it('a link opened in another browser: redirects.failed with pkce_code_verifier_not_found; nothing asked, nothing set', async () => {
    const { bff, gotrue } = await asked('otp');
    const calls = gotrue.calls.length;
    const response = await bff.callback(follow(new Browser(), `code=${gotrue.followLink()}`));
    expect(target(response).pathname).toBe('/login');
    expect(target(response).searchParams.get('error_code')).toBe('pkce_code_verifier_not_found');
    expect(gotrue.calls).toHaveLength(calls);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('GoTrue’s error redirect (an expired link) goes to redirects.failed with its code', async () => {
    const { bff, browser } = await asked('otp');
    const response = await bff.callback(
      follow(browser, 'error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired'),
    );
    expect(target(response).searchParams.get('error_code')).toBe('otp_expired');
    expect(target(response).searchParams.get('error_description')).toBe('Email link is invalid or has expired');
  });

  it('a refused code: its code, and the verifier cleared (a code works once)', async () => {
    const { bff, browser } = await asked('otp');
    const response = await bff.callback(follow(browser, 'code=never-issued'));
    expect(target(response).searchParams.get('error_code')).toBe('flow_state_not_found');
    expect(browser.receive(response).names()).toEqual([]);
  });

  it('`next` off this origin is ignored', async () => {
    const { bff, gotrue, browser } = await asked('otp');
    const response = await bff.callback(follow(browser, `code=${gotrue.followLink()}&next=${encodeURIComponent('/\\evil.example')}`));
    expect(response.headers.get('location')).toBe('/home');
  });

  it('handle() routes it, GET only', async () => {
    const { bff } = emailHandler();
    expect(bff.paths).toEqual(expect.arrayContaining(['/auth/otp', '/auth/recover', '/auth/verify', '/auth/callback', '/auth/password']));
    expect((await bff.handle(new Request('https://app.example/auth/callback', { method: 'POST' })))?.status).toBe(405);
    expect((await bff.handle(new Request('https://app.example/auth/callback?code=x')))?.status).toBe(303);
  });
});
