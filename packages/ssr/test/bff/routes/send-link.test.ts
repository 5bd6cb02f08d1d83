/** POST otp / recover: the link's redirect_to, the PKCE verifier in an HttpOnly cookie, CSRF, bad input. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appRequest } from '../../support/bff.js';
import { VERIFIER, emailHandler } from '../../support/bff-email.js';
import { Browser } from '../../support/browser.js';

describe('otp and recover routes', () => {
  it('otp: the auth server mails a PKCE link back to <basePath>/callback?next=…; the verifier goes into a cookie', async () => {
    const { bff, gotrue } = emailHandler();
    const browser = new Browser();
    const response = await bff.sendMagicLink(
      appRequest(browser, '/auth/otp', { method: 'POST', body: { email: 'ada@example.com', next: '/inbox' } }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const [line] = response.headers.getSetCookie();
    expect(line).toMatch(new RegExp(`^${VERIFIER}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=86400; HttpOnly; Secure; SameSite=Lax$`));
    const verifier = browser.receive(response).cookies.get(VERIFIER)!.value;
    expect(gotrue.calls[0]).toEqual({
      method: 'POST',
      path: `/otp?redirect_to=${encodeURIComponent('https://app.example/auth/callback?next=%2Finbox')}`,
      body: {
        email: 'ada@example.com',
        data: {},
        create_user: true,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 's256',
      },
    });
  });

  it('recover: a verifier marked as a recovery’s; a configured callbackUrl', async () => {
    const { bff, gotrue } = emailHandler({ callbackUrl: 'https://app.example/api/auth/callback' });
    const browser = new Browser();
    const response = await bff.sendRecovery(appRequest(browser, '/auth/recover', { method: 'POST', body: { email: 'ada@example.com' } }));
    expect(response.status).toBe(200);
    expect(browser.receive(response).cookies.get(VERIFIER)!.value).toMatch(/^[A-Za-z0-9_-]{43}\/recovery$/);
    expect(gotrue.calls[0]?.path).toBe(`/recover?redirect_to=${encodeURIComponent('https://app.example/api/auth/callback')}`);
  });

  it('create_user: false and metadata pass through', async () => {
    const { bff, gotrue } = emailHandler();
    await bff.sendMagicLink(
      appRequest(new Browser(), '/auth/otp', {
        method: 'POST',
        body: { email: 'a@example.com', create_user: false, data: { plan: 'pro' } },
      }),
    );
    expect(gotrue.calls[0]?.body).toMatchObject({ create_user: false, data: { plan: 'pro' } });
  });

  it('refuses a cross-site request, a `next` off this origin, and a body without an email — before asking the auth server', async () => {
    const { bff, gotrue } = emailHandler();
    const crossSite = await bff.sendMagicLink(
      appRequest(new Browser(), '/auth/otp', {
        method: 'POST',
        body: { email: 'a@example.com' },
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      }),
    );
    expect(crossSite.status).toBe(403);
    for (const body of [
      { email: 'a@example.com', next: '//evil.example' },
      { email: 'a@example.com', next: 'https://evil.example' },
      { next: '/x' },
    ]) {
      const response = await bff.sendMagicLink(appRequest(new Browser(), '/auth/otp', { method: 'POST', body }));
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'bad_request' });
    }
    expect(gotrue.calls).toEqual([]);
  });

  it('the auth server’s refusal is passed on, and no verifier cookie is set', async () => {
    const { bff } = emailHandler({
      fetch: (async () =>
        new Response(JSON.stringify({ code: 'over_email_send_rate_limit', message: 'slow down' }), { status: 429 })) as typeof fetch,
    });
    const response = await bff.sendMagicLink(appRequest(new Browser(), '/auth/otp', { method: 'POST', body: { email: 'a@example.com' } }));
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ code: 'over_email_send_rate_limit' });
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});
