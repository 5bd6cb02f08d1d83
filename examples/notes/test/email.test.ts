/**
 * The demo's email paths in a real browser (Debian Chromium driven by playwright-core), against the
 * demo's own auth server with no SMTP: "Email me a sign-in link / code" and "Forgot password?" put
 * a message in the dev outbox, the page's outbox panel shows it (through the notes API, which holds
 * the secret key), and a click on its link comes back to the page signed in (PKCE: `?code=`,
 * exchanged by detectSessionInUrl). Screenshots land in test-artifacts/notes/.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifacts, chromiumAvailable, demoInBrowser, events, newEmail, offScreen, PASSWORD, signOut, signUp } from './support/browser.js';

const available = chromiumAvailable();
const running = demoInBrowser('email');

let context: BrowserContext;
/** Every response the pages got, to check nothing secret reached them. */
let bodies: string[];
beforeEach(async () => {
  if (!available) return;
  context = await running.browser.newContext({ viewport: { width: 1280, height: 900 } });
  bodies = [];
  context.on('response', async (response) => {
    if (response.url().includes('/dev/outbox') || response.url().endsWith('/config.json'))
      bodies.push(await response.text().catch(() => ''));
  });
});
afterEach(async () => {
  await context?.close();
});

/** The outbox panel's newest message to `address`, once it shows. */
async function newestTo(page: Page, address: string) {
  const message = page
    .getByTestId('outbox-message')
    .filter({ hasText: `to ${address}` })
    .first();
  await expect.poll(() => message.count(), { timeout: 10_000 }).toBe(1);
  return message;
}

describe.skipIf(!available)('notes demo: email paths in Chromium', () => {
  it('email me a link → the outbox panel → click the link → signed in (PKCE, the URL cleaned)', async () => {
    const page = await context.newPage();
    const address = newEmail();
    await page.goto(running.demo.url);
    await expect.poll(() => page.getByTestId('outbox-panel').isVisible()).toBe(true);
    await page.getByTestId('email').fill(address);
    await page.getByTestId('email-link').click();
    await expect.poll(() => page.getByTestId('email-status').textContent()).toContain(`on their way to ${address}`);
    const message = await newestTo(page, address);
    expect(await message.getAttribute('data-kind')).toBe('magic_link');
    expect(await message.getByTestId('outbox-code').textContent()).toMatch(/^\d{6}$/);
    const link = await message.getByTestId('outbox-link').getAttribute('href');
    // The link goes to the auth server's /verify and comes back to this page.
    expect(link).toMatch(new RegExp(`^${running.demo.authUrl}/verify\\?`));
    expect(new URL(link!).searchParams.get('redirect_to')).toBe(`${running.demo.url}/`);
    await page.screenshot({ path: join(artifacts, 'email-outbox.png'), fullPage: true });

    await message.getByTestId('outbox-link').click();
    await expect.poll(() => page.getByTestId('whoami').textContent(), { timeout: 15_000 }).toBe(address);
    expect(new URL(page.url()).search).toBe(''); // the code is gone from the address bar
    expect(await page.getByTestId('outbox-panel').isHidden()).toBe(true);
    await expect
      .poll(async () => (await events(page)).map((e) => e.text.replace(/^\S+\s+/, '')))
      .toEqual([
        'INITIAL_SESSION: no session',
        // The page the link opened: the client exchanged the code before it was ready.
        'INITIAL_SESSION: session from the email link',
        'SIGNED_IN: here, by the email link',
      ]);
    // The session works with the notes API.
    await page.getByTestId('note-text').fill('signed in by a link');
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'email-signed-in.png'), fullPage: true });

    // The link works once: opened again, the page says so in words, signed out.
    await signOut(page);
    await page.goto(link!);
    await expect.poll(() => page.getByTestId('auth-error').textContent()).toContain('expired or was already used');
    expect(await page.getByTestId('whoami').textContent()).toBe('signed out');
    // The secret key never reached the page.
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.join('\n')).not.toMatch(/sb_secret_|secret_key/);
  });

  it('email me a code → type it from the outbox → signed in', async () => {
    const page = await context.newPage();
    const address = newEmail();
    await page.goto(running.demo.url);
    await page.getByTestId('email').fill(address);
    await page.getByTestId('email-link').click();
    const code = await (await newestTo(page, address)).getByTestId('outbox-code').textContent();
    await page.getByTestId('otp-code').fill(code!);
    await page.getByTestId('verify-code').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
    expect((await events(page)).at(-1)?.text).toMatch(/SIGNED_IN: here$/);
  });

  it('forgot password → the recovery link → set a new password → sign in with it (the old one no longer works)', async () => {
    const page = await context.newPage();
    const address = await signUp(page, running.demo.url);
    await signOut(page);

    await page.getByTestId('email').fill(address);
    await page.getByTestId('forgot-password').click();
    await expect.poll(() => page.getByTestId('email-status').textContent()).toContain('recovery link and code');
    const message = await newestTo(page, address);
    expect(await message.getAttribute('data-kind')).toBe('recovery');
    await page.screenshot({ path: join(artifacts, 'recovery-outbox.png'), fullPage: true });
    await message.getByTestId('outbox-link').click();

    await expect.poll(() => page.getByTestId('new-password-panel').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('whoami').textContent()).toBe(address);
    expect((await events(page)).at(-1)?.text).toMatch(/PASSWORD_RECOVERY: signed in by the recovery link; choose a new password$/);
    await page.screenshot({ path: join(artifacts, 'recovery-new-password.png'), fullPage: true });
    const newPassword = 'a new passphrase from the outbox';
    await page.getByTestId('new-password').fill(newPassword);
    await page.getByTestId('set-password').click();
    await expect.poll(() => page.getByTestId('new-password-panel').isHidden()).toBe(true);
    expect(await page.getByTestId('notice-text').textContent()).toContain('Your new password is set');

    await signOut(page);
    await page.getByTestId('email').fill(address);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('auth-error').getAttribute('data-code')).toBe('invalid_credentials');
    await page.getByTestId('password').fill(newPassword);
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
  });

  it('the sign-in screen with the outbox fits a 360 px phone', async () => {
    const phone = await running.browser.newContext({
      viewport: { width: 360, height: 800 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await phone.newPage();
      const address = newEmail();
      await page.goto(running.demo.url);
      await page.getByTestId('email').fill(address);
      await page.getByTestId('email-link').click();
      await newestTo(page, address);
      expect(await offScreen(page)).toEqual([]);
      await page.screenshot({ path: join(artifacts, 'email-phone-360.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
