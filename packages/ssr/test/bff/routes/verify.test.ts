/** POST verify: a typed code (or token hash) for a BFF session, as sign-in gives one. */
import { describe, expect, it } from 'vitest';
import { appRequest } from '../../support/bff.js';
import { SESSION, emailHandler } from '../../support/bff-email.js';
import { Browser } from '../../support/browser.js';

describe('verify route', () => {
  it('a typed code signs in: 200 { user, expires_at } and the session cookie', async () => {
    const { bff, gotrue } = emailHandler();
    const browser = new Browser();
    const response = await bff.verify(
      appRequest(browser, '/auth/verify', { method: 'POST', body: { type: 'email', email: 'ada@example.com', token: '123456' } }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'user']);
    expect(gotrue.calls[0]).toMatchObject({ path: '/verify', body: { type: 'email', email: 'ada@example.com', token: '123456' } });
    expect(browser.receive(response).names()).toEqual([SESSION]);
  });

  it('a token hash; a wrong code is the auth server’s otp_expired, no cookie', async () => {
    const { bff, gotrue } = emailHandler();
    await bff.verify(appRequest(new Browser(), '/auth/verify', { method: 'POST', body: { type: 'magiclink', token_hash: 'h' } }));
    expect(gotrue.calls[0]?.body).toEqual({ type: 'magiclink', token_hash: 'h' });
    const wrong = await bff.verify(
      appRequest(new Browser(), '/auth/verify', { method: 'POST', body: { type: 'email', email: 'a@example.com', token: '000000' } }),
    );
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ code: 'otp_expired' });
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('refuses login CSRF and bodies that are not a verification', async () => {
    const { bff, gotrue } = emailHandler();
    const crossSite = await bff.verify(
      appRequest(new Browser(), '/auth/verify', {
        method: 'POST',
        body: { type: 'email', email: 'a@example.com', token: '123456' },
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      }),
    );
    expect(crossSite.status).toBe(403);
    for (const body of [{ type: 'sms', phone: '1', token: '1' }, { type: 'email', email: 'a@example.com' }, {}]) {
      expect((await bff.verify(appRequest(new Browser(), '/auth/verify', { method: 'POST', body }))).status).toBe(400);
    }
    expect(gotrue.calls).toEqual([]);
  });
});
