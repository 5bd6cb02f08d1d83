/**
 * supabase-js's own passkey API, unchanged, in real Chromium against a Latchkey server: the page
 * loads supabase-js's browser build (its UMD file from node_modules) and calls
 * `auth.registerPasskey()`, `auth.signInWithPasskey()` and `auth.passkey.list / update / delete`,
 * with the DevTools protocol's virtual authenticator (CTAP2, resident keys, user verification)
 * answering the WebAuthn prompts. Nothing of supabase-js is stubbed: what it sends is what an app's
 * page sends.
 *
 * Fails (does not skip) under CI when /usr/bin/chromium is missing.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { uniqueEmail } from '../helpers.js';
import { claims } from '../routes/mfa/mfa-helpers.js';
import { chromiumAvailable, launchChromium, listenOnLocalhost, withVirtualAuthenticator } from '../support/chromium.js';

const artifacts = fileURLToPath(new URL('../../../../test-artifacts/webauthn/', import.meta.url));
const hasChromium = chromiumAvailable('supabase-js passkeys');

const require = createRequire(import.meta.url);
/** supabase-js's browser build, as a page would load it from a CDN. */
const SUPABASE_UMD = readFileSync(join(dirname(require.resolve('@supabase/supabase-js/package.json')), 'dist/umd/supabase.js'));
const VERSION = (require('@supabase/supabase-js/package.json') as { version: string }).version;

const PAGE = `<!doctype html><meta charset="utf-8"><title>supabase-js passkeys</title>
<h1>supabase-js passkeys against Latchkey</h1><pre id="log"></pre>
<script src="/supabase.js"></script>
<script>
  window.log = (line) => { document.getElementById('log').textContent += line + '\\n'; };
  window.connect = (url, key) => {
    window.sb = supabase.createClient(url, key, { auth: { autoRefreshToken: false, detectSessionInUrl: false } });
  };
  /** A supabase-js result, with its error as plain data (an Error does not cross to the test). */
  window.plain = ({ data, error }) => ({ data, error: error && { name: error.name, code: error.code, status: error.status, message: error.message } });
</script>`;

describe.skipIf(!hasChromium)(`supabase-js ${VERSION}: auth.registerPasskey / signInWithPasskey / passkey.* in Chromium`, () => {
  let auth: TestServer;
  let app: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    // Defaults otherwise: RP id localhost, any http://localhost port as origin.
    auth = await startTestServer({ config: { passkeyEnabled: true } });
    app = createServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      else if (req.url === '/supabase.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(SUPABASE_UMD);
      else res.writeHead(404).end();
    });
    origin = await listenOnLocalhost(app);
    browser = await launchChromium(artifacts);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await auth?.close();
  });

  beforeEach(async () => {
    ({ context, page, cdp, authenticatorId } = await withVirtualAuthenticator(browser));
    await page.goto(`${origin}/`);
    await page.evaluate(([url, key]) => (window as any).connect(url, key), [auth.url, auth.publishableKey]);
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Runs `body` in the page with `sb` (the supabase-js client) and returns its plain result. */
  const run = <T = any>(body: string): Promise<T> => page.evaluate(`(async () => { const sb = window.sb; ${body} })()`) as Promise<T>;

  it('signUp → registerPasskey → signOut → signInWithPasskey: signed in with no password, SIGNED_IN, a passkey session', async () => {
    const email = uniqueEmail('sbjs-passkey');
    const signedUp = await run(
      `return plain(await sb.auth.signUp({ email: ${JSON.stringify(email)}, password: 'correct horse battery' }));`,
    );
    expect(signedUp.error).toBeNull();
    const userId = signedUp.data.user.id as string;

    const registered = await run('return plain(await sb.auth.registerPasskey());');
    expect(registered.error).toBeNull();
    expect(registered.data).toMatchObject({ id: expect.any(String) });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);

    expect((await run('return plain(await sb.auth.signOut());')).error).toBeNull();
    expect(await run('return (await sb.auth.getSession()).data.session;')).toBeNull();

    const signedIn = await run(`
      const events = [];
      sb.auth.onAuthStateChange((event) => events.push(event));
      const result = plain(await sb.auth.signInWithPasskey());
      const stored = (await sb.auth.getSession()).data.session;
      return { ...result, events, stored: stored && { user: stored.user.id, access_token: stored.access_token } };`);
    expect(signedIn.error).toBeNull();
    expect(signedIn.data.user.id).toBe(userId);
    expect(signedIn.events).toContain('SIGNED_IN');
    expect(signedIn.stored.user).toBe(userId);
    expect(claims(signedIn.stored.access_token)).toMatchObject({ aal: 'aal1', amr: [{ method: 'passkey' }] });
    // The session is a real one: it rotates through supabase-js's refresh like any other.
    const refreshed = await run('return plain(await sb.auth.refreshSession());');
    expect(refreshed.error).toBeNull();
    expect(refreshed.data.session.user.id).toBe(userId);
    await page.screenshot({ path: join(artifacts, 'supabase-js-passkey.png') });
  });

  it('passkey.list / update / delete manage the signed-in user’s passkeys; a deleted one no longer signs in', async () => {
    const email = uniqueEmail('sbjs-passkey-manage');
    await run(`await sb.auth.signUp({ email: ${JSON.stringify(email)}, password: 'correct horse battery' });`);
    expect((await run('return plain(await sb.auth.registerPasskey());')).error).toBeNull();

    const listed = await run('return plain(await sb.auth.passkey.list());');
    expect(listed.error).toBeNull();
    expect(listed.data).toHaveLength(1);
    const id = listed.data[0].id as string;

    const renamed = await run(
      `return plain(await sb.auth.passkey.update({ passkeyId: ${JSON.stringify(id)}, friendlyName: 'work laptop' }));`,
    );
    expect(renamed.error).toBeNull();
    const again = await run('return plain(await sb.auth.passkey.list());');
    expect(again.data[0].friendly_name).toBe('work laptop');

    expect((await run(`return plain(await sb.auth.passkey.delete({ passkeyId: ${JSON.stringify(id)} }));`)).error).toBeNull();
    expect((await run('return plain(await sb.auth.passkey.list());')).data).toEqual([]);

    // The authenticator still holds the credential; the server no longer knows it.
    await run('await sb.auth.signOut();');
    const refused = await run('return plain(await sb.auth.signInWithPasskey());');
    expect(refused.data).toBeNull();
    expect(refused.error).toMatchObject({ status: expect.any(Number) });
    expect(refused.error.status).toBeGreaterThanOrEqual(400);
    expect(refused.error.status).toBeLessThan(500);
    expect(await run('return (await sb.auth.getSession()).data.session;')).toBeNull();
  });
});
