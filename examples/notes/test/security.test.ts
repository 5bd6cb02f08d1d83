/**
 * The demo's second factor and passkeys in Chromium (Debian's, driven by playwright-core), against
 * the demo's own auth server (started by scripts/demo.mjs with passkeys on and the WebAuthn RP
 * settings of the app's origin):
 *
 * - an authenticator app (TOTP) set up from the Security panel — the code computed here from the
 *   secret the page shows — raises the session to aal2; the next sign-in asks for the code before
 *   it shows the notes, and the code opens them at aal2;
 * - a passkey added through Chromium's virtual authenticator (the DevTools protocol's WebAuthn
 *   domain: CTAP2, resident keys, user verification) signs in with no email or password.
 *
 * Fails (does not skip) under CI when /usr/bin/chromium is missing. Screenshots land in
 * test-artifacts/notes/.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addVirtualAuthenticator,
  artifacts,
  chromiumAvailable,
  demoInBrowser,
  events,
  offScreen,
  PASSWORD,
  signOut,
  signUp,
} from './support/browser.js';
import { stepOf, totpAt } from './support/totp.js';

const available = chromiumAvailable();
const running = demoInBrowser('security');

let context: BrowserContext;
beforeEach(async () => {
  if (!available) return;
  context = await running.browser.newContext({ viewport: { width: 1280, height: 900 } });
});
afterEach(async () => {
  await context?.close();
});

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent()) ?? '';

describe.skipIf(!available)('notes demo: second factor and passkeys in Chromium', () => {
  it('authenticator app: set up from the QR code’s secret → aal2; the next sign-in asks for the code → aal2 and the notes', async () => {
    const page = await context.newPage();
    const address = await signUp(page, running.demo.url);
    await expect.poll(() => page.getByTestId('security-panel').isVisible()).toBe(true);
    await expect.poll(() => text(page, 'aal')).toMatch(/^aal1/);
    await expect.poll(() => page.getByTestId('totp-state').getAttribute('data-on')).toBe('false');

    await page.getByTestId('totp-start').click();
    const qr = page.getByTestId('totp-qr');
    await expect.poll(() => qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    // The QR code renders as an image (the browser decoded the SVG data URI).
    await expect
      .poll(() => qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(0);
    const secret = await text(page, 'totp-secret');
    expect(secret).toMatch(/^[A-Z2-7 ]{16,}$/);

    // At 360 px the enrolment (QR, key, code box) fits.
    await page.setViewportSize({ width: 360, height: 800 });
    expect(await offScreen(page)).toEqual([]);
    await page.getByTestId('security-panel').screenshot({ path: join(artifacts, 'totp-enrol-360.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByTestId('security-panel').screenshot({ path: join(artifacts, 'totp-enrol.png') });

    const used = stepOf(Date.now());
    await page.getByTestId('totp-code').fill(totpAt(secret, used));
    await page.getByTestId('totp-verify').click();
    await expect.poll(() => text(page, 'aal')).toMatch(/^aal2: two factors \(password, then authenticator code\)$/);
    await expect.poll(() => page.getByTestId('totp-state').getAttribute('data-on')).toBe('true');
    await expect.poll(() => page.getByTestId('totp-enrol').isHidden()).toBe(true);
    expect((await events(page)).map((e) => e.text)).toContainEqual(expect.stringMatching(/MFA_CHALLENGE_VERIFIED/));
    await page.getByTestId('security-panel').screenshot({ path: join(artifacts, 'totp-on.png') });

    // Sign out, sign in with the password: one factor, and the page asks for the code first.
    await signOut(page);
    await page.getByTestId('email').fill(address);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('mfa-prompt').isVisible()).toBe(true);
    expect(await text(page, 'whoami')).toBe(address);
    for (const panel of ['notes-panel', 'security-panel', 'race-panel', 'session-panel'])
      expect(await page.getByTestId(panel).isHidden()).toBe(true);
    await page.screenshot({ path: join(artifacts, 'totp-code-prompt.png'), fullPage: true });

    // A wrong code is refused in words.
    const right = totpAt(secret, used + 1); // each code works once: the next step's (within the server's one step of skew)
    await page.getByTestId('mfa-code').fill(right === '000000' ? '111111' : '000000');
    await page.getByTestId('mfa-verify').click();
    await expect.poll(() => text(page, 'mfa-error')).toContain('wrong or was already used');
    expect(await page.getByTestId('notes-panel').isHidden()).toBe(true);

    await page.getByTestId('mfa-code').fill(right);
    await page.getByTestId('mfa-verify').click();
    await expect.poll(() => page.getByTestId('notes-panel').isVisible()).toBe(true);
    expect(await page.getByTestId('mfa-prompt').isHidden()).toBe(true);
    await expect.poll(() => text(page, 'aal')).toMatch(/^aal2/);
    // The aal2 session works with the notes API.
    await page.getByTestId('note-text').fill('behind two factors');
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'totp-signed-in-aal2.png'), fullPage: true });

    // A reload keeps the aal2 session: no prompt.
    await page.reload();
    await expect.poll(() => page.getByTestId('notes-panel').isVisible()).toBe(true);
    expect(await page.getByTestId('mfa-prompt').isHidden()).toBe(true);
  });

  it('passkey: added with a virtual authenticator → sign out → "Sign in with a passkey" → signed in, no password', async () => {
    const page = await context.newPage();
    const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page);
    const address = await signUp(page, running.demo.url);
    await expect.poll(() => page.getByTestId('passkey-list').getAttribute('data-count')).toBe('0');
    await page.getByTestId('passkey-add').click();
    await expect.poll(() => text(page, 'passkey-status')).toContain('Passkey added');
    await expect.poll(() => page.getByTestId('passkey').count()).toBe(1);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe('localhost');
    await page.getByTestId('security-panel').screenshot({ path: join(artifacts, 'passkey-added.png') });

    await signOut(page);
    await page.getByTestId('passkey-sign-in').click();
    await expect.poll(() => text(page, 'whoami')).toBe(address);
    await expect.poll(() => page.getByTestId('notes-panel').isVisible()).toBe(true);
    await expect.poll(() => text(page, 'aal')).toMatch(/^aal1: one factor \(passkey\)$/);
    expect((await events(page)).at(-1)?.text).toMatch(/SIGNED_IN: here$/);
    await expect.poll(() => page.getByTestId('passkey').first().textContent()).not.toContain('not used yet');
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after.credentials[0]!.signCount).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'passkey-signed-in.png'), fullPage: true });
  });

  it('opened at 127.0.0.1, the passkey button says to open the page at localhost (WebAuthn needs a domain)', async () => {
    const page = await context.newPage();
    const byIp = running.demo.url.replace('//localhost:', '//127.0.0.1:');
    await page.goto(byIp);
    await page.getByTestId('passkey-sign-in').click();
    await expect
      .poll(() => text(page, 'auth-error'))
      .toBe(`Passkeys belong to a site name, not an IP address: open ${running.demo.url}/ to use them.`);
  });
});
