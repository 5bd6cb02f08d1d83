/**
 * Passkeys through the BFF in real Chromium: a page of the app (served with the token handler by
 * one Node server at http://localhost) runs the WebAuthn ceremonies with the DevTools protocol's
 * virtual authenticator (CTAP2, resident keys, user verification), and the token handler carries
 * their halves to a real Latchkey server. The page never sees a token: the session a passkey
 * sign-in makes lives in the BFF's store behind its HttpOnly cookie.
 *
 * Fails (does not skip) under CI when /usr/bin/chromium is missing.
 */
import { createServer, type Server } from 'node:http';
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenHandler, memoryLock, memoryStore, nodeHandler, type SessionStore } from '../../src/bff/index.js';
import { signUp } from '../support/auth-server.js';
import { PASSWORD } from '../support/services.js';
import { chromiumAvailable, launchChromium, listenOnLocalhost, withVirtualAuthenticator } from '../../../server/test/support/chromium.js';

const hasChromium = chromiumAvailable('bff passkeys');

/** The app's page: each helper is one ceremony through the BFF, as an app's own code would do it. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>passkeys through the BFF</title>
<h1>Passkeys through the BFF</h1>
<script>
  async function call(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
  window.call = call;
  window.signIn = (email, password) => call('POST', '/auth/sign-in', { email, password });
  window.addPasskey = async () => {
    const start = await call('POST', '/auth/passkey/register/options');
    if (start.status !== 200) return start;
    const created = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(start.body.options) });
    return call('POST', '/auth/passkey/register', { challenge_id: start.body.challenge_id, credential: created.toJSON() });
  };
  window.signInWithPasskey = async () => {
    const start = await call('POST', '/auth/passkey/options');
    const asserted = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(start.body.options) });
    return call('POST', '/auth/passkey/sign-in', { challenge_id: start.body.challenge_id, credential: asserted.toJSON() });
  };
</script>`;

describe.skipIf(!hasChromium)('BFF passkey routes in Chromium with a virtual authenticator', () => {
  let auth: TestServer;
  let app: Server;
  let origin: string;
  let store: SessionStore & { values: () => string[] };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    // Defaults otherwise: RP id localhost, any http://localhost port as origin.
    auth = await startTestServer({ config: { passkeyEnabled: true } });
    const inner = memoryStore();
    const written: string[] = [];
    store = {
      ...inner,
      create: (key, record) => (written.push(JSON.stringify(record)), inner.create(key, record)),
      values: () => written,
    };
    // Plain http on localhost: a development cookie (a `__Host-` one needs Secure).
    const bff = createTokenHandler({ authUrl: auth.authUrl, store, lock: memoryLock(), cookie: { secure: false } });
    const routes = nodeHandler(bff);
    app = createServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      else void routes(req, res);
    });
    origin = await listenOnLocalhost(app);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await auth?.close();
  });

  beforeEach(async () => {
    ({ context, page, cdp, authenticatorId } = await withVirtualAuthenticator(browser));
    await page.goto(`${origin}/`);
  });
  afterEach(async () => {
    await context?.close();
  });

  const inPage = <T = any>(script: string): Promise<T> => page.evaluate(script) as Promise<T>;

  it('signed in → add a passkey → sign out → sign in with it: a BFF session (cookie only), aal1 by passkey', async () => {
    const user = await signUp(auth.authUrl);
    expect((await inPage(`signIn(${JSON.stringify(user.email)}, ${JSON.stringify(PASSWORD)})`)).status).toBe(200);

    const added = await inPage('addPasskey()');
    expect(added.status).toBe(200);
    expect(added.body.passkey.id).toEqual(expect.any(String));
    const listed = await inPage(`call('GET', '/auth/passkeys')`);
    expect(listed.body.passkeys.map((p: { id: string }) => p.id)).toEqual([added.body.passkey.id]);
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);

    expect((await inPage(`call('POST', '/auth/sign-out')`)).status).toBe(204);
    expect((await inPage(`call('GET', '/auth/session')`)).status).toBe(401);

    const signedIn = await inPage('signInWithPasskey()');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(user.user.id);
    expect(JSON.stringify(signedIn.body)).not.toMatch(/access_token|refresh_token/);
    const session = await inPage(`call('GET', '/auth/session')`);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ aal: 'aal1', user: { id: user.user.id } });
    expect(session.body.amr[0].method).toBe('passkey');
    // The tokens went to the store, not to the page.
    expect(store.values().at(-1)).toContain('refresh_token');
    expect(await inPage('document.cookie')).toBe('');
  });

  it('a deleted passkey no longer signs in; ceremonies need the session, and a cross-site sign-in is refused', async () => {
    const user = await signUp(auth.authUrl);
    expect((await inPage('addPasskey()')).status).toBe(401); // not signed in here yet
    await inPage(`signIn(${JSON.stringify(user.email)}, ${JSON.stringify(PASSWORD)})`);
    const added = await inPage('addPasskey()');
    const deleted = await inPage(`call('POST', '/auth/passkey/delete', { passkey_id: ${JSON.stringify(added.body.passkey.id)} })`);
    expect(deleted.status).toBe(200);
    expect((await inPage(`call('GET', '/auth/passkeys')`)).body.passkeys).toEqual([]);
    await inPage(`call('POST', '/auth/sign-out')`);

    const refused = await inPage('signInWithPasskey()');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect((await inPage(`call('GET', '/auth/session')`)).status).toBe(401);

    // From another site (no Sec-Fetch-Site: same-origin, a foreign Origin): refused before the auth server.
    const crossSite = await fetch(`${origin}/auth/passkey/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ challenge_id: 'x', credential: {} }),
    });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { code: string }).code).toBe('csrf_rejected');
  });
});
