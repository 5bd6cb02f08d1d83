/**
 * The server client with `@latchkey/client/mfa` against a real Latchkey server: a TOTP
 * verification on a server client writes the aal2 session's cookies, and later requests keep
 * aal2 across refreshes (the level belongs to the session at the auth server).
 */
import * as mfa from '@latchkey/client/mfa';
import { sessionAssurance } from '@latchkey/client/session-rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerClient, webCookies } from '../src/index.js';
import { PASSWORD, signUp, startAuthServer, type TestServer } from './support/auth-server.js';
import { Browser } from './support/browser.js';
import { totp } from './support/totp.js';

let server: TestServer;
beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

/** One request of `browser` to the app: a server client over its cookies; the answer's cookies go back to the browser. */
async function request<T>(browser: Browser, work: (auth: ReturnType<typeof createServerClient>) => Promise<T>): Promise<T> {
  const cookies = webCookies(new Request('https://app.example/account', { method: 'POST', headers: { cookie: browser.header() } }));
  const auth = createServerClient({ url: server.authUrl, cookies, clock: { now: () => server.clock() } });
  const result = await work(auth);
  browser.receive(cookies.setCookieHeaders());
  return result;
}

describe('server client and second factors', () => {
  it('verify on a server client stores the aal2 session in the cookies; aal2 survives refreshes in later requests', async () => {
    const { email } = await signUp(server.authUrl);
    const browser = new Browser();
    await request(browser, (auth) => auth.signInWithPassword({ email, password: PASSWORD }));
    const factor = await request(browser, async (auth) => (await mfa.enroll(auth, { factorType: 'totp' })).data as mfa.TotpEnrollment);
    expect(await request(browser, async (auth) => (await mfa.getAuthenticatorAssuranceLevel(auth)).data)).toMatchObject({
      currentLevel: 'aal1',
    });
    const verified = await request(browser, (auth) =>
      mfa.challengeAndVerify(auth, { factorId: factor.id, code: totp(factor.totp.secret, server.clock()) }),
    );
    expect(verified.error).toBeNull();
    for (let i = 0; i < 2; i++) {
      server.clock.advance(61_000); // expired: the next request refreshes
      const { data } = await request(browser, (auth) => auth.getSession());
      expect(data.session?.refresh_token).not.toBe(verified.data.session?.refresh_token);
      expect(sessionAssurance(data.session!.access_token)).toMatchObject({
        aal: 'aal2',
        amr: [{ method: 'totp' }, { method: 'password' }],
      });
    }
    expect(await request(browser, async (auth) => (await mfa.getAuthenticatorAssuranceLevel(auth)).data)).toMatchObject({
      currentLevel: 'aal2',
      nextLevel: 'aal2',
    });
  });
});
