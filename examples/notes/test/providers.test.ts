/**
 * "Continue with Demo IdP" in Chromium (Debian's, driven by playwright-core), against the demo as
 * `npm run demo` starts it: its auth server with a generic OpenID Connect provider configured by
 * issuer, and that provider a real one (node-oidc-provider, scripts/idp.mjs) whose own login and
 * consent pages the test fills in and clicks through. The provider flow comes back to the page
 * with `?code=` (PKCE), which the client exchanges on load.
 *
 * Fails (does not skip) under CI when /usr/bin/chromium is missing. Screenshots land in
 * test-artifacts/notes/.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifacts, chromiumAvailable, demoInBrowser, events, PASSWORD, signOut, signUp } from './support/browser.js';

const available = chromiumAvailable();
const running = demoInBrowser('providers');

let context: BrowserContext;
beforeEach(async () => {
  if (!available) return;
  context = await running.browser.newContext({ viewport: { width: 1280, height: 900 } });
});
afterEach(async () => {
  await context?.close();
});

const loginName = () => `grace-${randomBytes(4).toString('hex')}`;

/** On the provider's pages: its login form (any name, any password), then its consent. */
async function atProvider(page: Page, login: string, screenshots = false): Promise<void> {
  await page.waitForURL((url) => url.origin === new URL(running.demo.idpUrl).origin);
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password works here');
  if (screenshots) await page.screenshot({ path: join(artifacts, 'provider-login.png'), fullPage: true });
  await page.locator('button[type=submit]').click();
  await page
    .waitForURL((url) => url.origin !== new URL(running.demo.idpUrl).origin || /consent/i.test(url.href), { timeout: 5_000 })
    .catch(() => {});
  // The consent page ("Authorize"), unless the provider skipped it.
  const consent = page.locator('button[type=submit]');
  if (new URL(page.url()).origin === new URL(running.demo.idpUrl).origin && (await consent.count()) > 0) {
    if (screenshots) await page.screenshot({ path: join(artifacts, 'provider-consent.png'), fullPage: true });
    await consent.click();
  }
}

describe.skipIf(!available)('notes demo: Continue with an identity provider, in Chromium', () => {
  it('Continue with Demo IdP → the provider’s login and consent pages → back signed in (PKCE, the URL cleaned), notes work', async () => {
    const page = await context.newPage();
    const login = loginName();
    await page.goto(running.demo.url);
    const button = page.getByTestId('continue-with-demo');
    await expect.poll(() => button.isVisible()).toBe(true);
    expect(await button.textContent()).toBe('Continue with Demo IdP');
    await page.screenshot({ path: join(artifacts, 'provider-button.png'), fullPage: true });
    await button.click();

    await atProvider(page, login, true);
    await expect.poll(() => page.getByTestId('whoami').textContent(), { timeout: 15_000 }).toBe(`${login}@idp.example`);
    expect(new URL(page.url()).origin).toBe(new URL(running.demo.url).origin);
    expect(new URL(page.url()).search).toBe(''); // the code is gone from the address bar
    await expect
      .poll(async () => (await events(page)).map((e) => e.text.replace(/^\S+\s+/, '')))
      .toEqual(['INITIAL_SESSION: no session', 'INITIAL_SESSION: session from Demo IdP', 'SIGNED_IN: here, with Demo IdP']);
    await page.getByTestId('note-text').fill('signed in with the demo IdP');
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'provider-signed-in.png'), fullPage: true });

    // Signed out here and back through the provider, which still has its own session for this
    // browser (single sign-on): no login page this time. The same account, its notes there.
    await signOut(page);
    await page.getByTestId('continue-with-demo').click();
    await expect.poll(() => page.getByTestId('whoami').textContent(), { timeout: 15_000 }).toBe(`${login}@idp.example`);
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
  });

  it('the provider’s verified email joins the account registered with it: the same user and notes', async () => {
    const page = await context.newPage();
    const login = loginName();
    const address = `${login}@idp.example`;
    await signUp(page, running.demo.url, address);
    await page.getByTestId('note-text').fill('written with a password');
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    await signOut(page);

    await page.getByTestId('continue-with-demo').click();
    await atProvider(page, login);
    await expect.poll(() => page.getByTestId('whoami').textContent(), { timeout: 15_000 }).toBe(address);
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    // The password still signs in too: the provider added a way in, it did not replace one.
    await signOut(page);
    await page.getByTestId('email').fill(address);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
  });

  it('cancelled at the provider: back at the page, signed out, the reason in words', async () => {
    const page = await context.newPage();
    await page.goto(running.demo.url);
    await page.getByTestId('continue-with-demo').click();
    await page.waitForURL((url) => url.origin === new URL(running.demo.idpUrl).origin);
    await page.getByText('Cancel').click();
    await expect
      .poll(() => page.getByTestId('auth-error').textContent(), { timeout: 15_000 })
      .toContain('Demo IdP did not sign you in: the request was declined there.');
    expect(await page.getByTestId('whoami').textContent()).toBe('signed out');
    expect(new URL(page.url()).search).toBe('');
  });
});
