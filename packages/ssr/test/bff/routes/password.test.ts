/** POST password: PUT /user with the session's access token, after a recovery. */
import { describe, expect, it } from 'vitest';
import { appRequest } from '../../support/bff.js';
import { emailHandler } from '../../support/bff-email.js';
import { Browser } from '../../support/browser.js';

async function signedInByCode() {
  const handler = emailHandler();
  const browser = new Browser();
  browser.receive(
    await handler.bff.verify(
      appRequest(browser, '/auth/verify', { method: 'POST', body: { type: 'recovery', email: 'ada@example.com', token: '123456' } }),
    ),
  );
  return { ...handler, browser };
}

describe('password route', () => {
  it('sets the password with the session’s access token (and the nonce when given)', async () => {
    const { bff, gotrue, browser } = await signedInByCode();
    const response = await bff.setPassword(
      appRequest(browser, '/auth/password', { method: 'POST', body: { password: 'a new password', nonce: '123456' } }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { id: 'user-1' } });
    const put = gotrue.calls.at(-1)!;
    expect(put).toMatchObject({ method: 'PUT', path: '/user', body: { password: 'a new password', nonce: '123456' } });
  });

  it('without a session: 401; cross-site: 403; no password: 400 — none reaches the auth server', async () => {
    const { bff, gotrue, browser } = await signedInByCode();
    const calls = gotrue.calls.length;
    expect((await bff.setPassword(appRequest(new Browser(), '/auth/password', { method: 'POST', body: { password: 'x' } }))).status).toBe(
      401,
    );
    const crossSite = appRequest(browser, '/auth/password', {
      method: 'POST',
      body: { password: 'x' },
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect((await bff.setPassword(crossSite)).status).toBe(403);
    expect((await bff.setPassword(appRequest(browser, '/auth/password', { method: 'POST', body: {} }))).status).toBe(400);
    expect(gotrue.calls).toHaveLength(calls);
  });

  it('passes the auth server’s refusal on, with its status and code', async () => {
    const { bff, browser } = await signedInByCode();
    const response = await bff.setPassword(
      appRequest(browser, '/auth/password', { method: 'POST', body: { password: 'the old password' } }),
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'same_password' });
  });
});
