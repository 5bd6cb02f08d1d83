/**
 * CSRF: a state-changing request authenticated by the session cookie must show it comes from the
 * app (Sec-Fetch-Site: same-origin, or an allowed Origin). The rule itself, then the routes and
 * getAccessToken refusing forged requests against a real session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSameOriginRequest } from '../../src/bff/csrf.js';
import { viewOf } from '../../src/bff/request.js';
import { signUp, startAuthServer, whoAmI, type TestServer } from '../support/auth-server.js';
import { APP, appRequest, handler, signInThrough } from '../support/bff.js';
import { Browser } from '../support/browser.js';
import { PASSWORD } from '../support/services.js';

function allowed(method: string, headers: Record<string, string>, origins?: string[], url = `${APP}/x`): boolean {
  return isSameOriginRequest(viewOf(new Request(url, { method, headers })), origins ? new Set(origins) : undefined);
}

describe('the rule', () => {
  it('lets safe methods through whatever their headers', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS'])
      expect(allowed(method, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).toBe(true);
  });

  it('accepts a state-changing request marked Sec-Fetch-Site: same-origin, or with the app’s own Origin', () => {
    expect(allowed('POST', { 'sec-fetch-site': 'same-origin' })).toBe(true);
    expect(allowed('DELETE', { origin: APP })).toBe(true);
    expect(allowed('PUT', { origin: 'https://app.example', 'sec-fetch-site': 'same-origin' })).toBe(true);
  });

  it('refuses another origin, a sibling subdomain, Origin: null, and a request with neither header', () => {
    expect(allowed('POST', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).toBe(false);
    expect(allowed('POST', { origin: 'https://evil.example' })).toBe(false);
    expect(allowed('POST', { origin: 'https://blog.app.example', 'sec-fetch-site': 'same-site' })).toBe(false);
    expect(allowed('POST', { origin: 'null' })).toBe(false);
    expect(allowed('POST', {})).toBe(false);
    expect(allowed('POST', { origin: 'http://app.example' })).toBe(false); // scheme counts
  });

  it('with `origins`, accepts exactly those (behind a proxy the request URL is an internal one)', () => {
    const origins = ['https://app.example', 'https://admin.example'];
    expect(allowed('POST', { origin: 'https://admin.example' }, origins, 'http://10.0.0.5:3000/x')).toBe(true);
    expect(allowed('POST', { origin: 'http://10.0.0.5:3000' }, origins, 'http://10.0.0.5:3000/x')).toBe(false);
  });

  it('reads Node requests too: the origin from Host and the protocol', () => {
    const node = { method: 'POST', url: '/x', headers: { host: 'app.example', origin: 'https://app.example' }, protocol: 'https' };
    expect(isSameOriginRequest(viewOf(node), undefined)).toBe(true);
    expect(isSameOriginRequest(viewOf({ ...node, protocol: 'http' }), undefined)).toBe(false);
  });
});

describe('against a real session', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const forged = (browser: Browser, path: string, headers: Record<string, string>) =>
    new Request(`${APP}${path}`, { method: 'POST', headers: { cookie: browser.header(), ...headers } });

  it('a cross-site sign-out is refused (403 csrf_rejected) and the session lives on', async () => {
    const { email } = await signUp(server.authUrl);
    const { bff } = handler(server);
    const { browser } = await signInThrough(bff, email);
    const forgeries: Record<string, string>[] = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      {},
      { origin: 'null' },
    ];
    for (const headers of forgeries) {
      const response = await bff.signOut(forged(browser, '/auth/sign-out', headers));
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'csrf_rejected' });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    const { data } = await bff.getAccessToken(appRequest(browser, '/api'));
    expect(await whoAmI(server.authUrl, data.accessToken!)).toMatchObject({ status: 200 });
  });

  it('getAccessToken refuses a cross-site POST (the proxied API call) but serves a cross-site GET', async () => {
    const { email } = await signUp(server.authUrl);
    const { bff } = handler(server);
    const { browser } = await signInThrough(bff, email);
    const post = await bff.getAccessToken(forged(browser, '/api/notes', { origin: 'https://evil.example' }));
    expect(post.error?.code).toBe('csrf_rejected');
    expect(post.error?.status).toBe(403);
    const get = await bff.getAccessToken(
      new Request(`${APP}/api/notes`, { headers: { cookie: browser.header(), 'sec-fetch-site': 'cross-site' } }),
    );
    expect(get.error).toBeNull();
  });

  it('a cross-site sign-in is refused (login CSRF) and sets no cookie', async () => {
    const { email } = await signUp(server.authUrl);
    const { bff } = handler(server);
    const response = await bff.signIn(
      new Request(`${APP}/auth/sign-in`, {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});
