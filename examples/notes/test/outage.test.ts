/**
 * The auth server really goes away (its process stopped) and comes back (restarted on the same port
 * and database), in Chromium: the page says so, keeps the session, explains what fails and why,
 * and recovers by itself, without a reload. Access tokens last 8 s here so that one really expires
 * during the outage (the notes API then refuses it); this waits on real time, a few seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without types
import { startAuthServer, startDemo } from '../scripts/demo.mjs';
import { artifacts, chromiumAvailable, events, fire, launch, signUp } from './support/browser.js';

const JWT_EXP = 8;
/** The notes API's verifier accepts a token this long past its expiry (@latchkey/verify's default). */
const CLOCK_TOLERANCE = 5;

interface AuthServer {
  authUrl: string;
  stop(): Promise<void>;
}
let demo: { url: string; authUrl: string; auth: AuthServer; stop(): Promise<void> };
let restarted: AuthServer | undefined;
let browser: Browser;
let dataDir: string;

const available = chromiumAvailable();

beforeAll(async () => {
  if (!available) return;
  dataDir = mkdtempSync(join(tmpdir(), 'latchkey-notes-outage-'));
  demo = await startDemo({ dataDir, authPort: 0, apiPort: 0, jwtExp: JWT_EXP });
  browser = await launch();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await restarted?.stop();
  await demo?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!available)('the auth server goes away and comes back', () => {
  it('says so, keeps the session, says why a save fails, and recovers by itself without a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    let reloads = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) reloads++;
    });
    const address = await signUp(page, demo.url);
    const signedUpAt = Date.now();
    await page.getByTestId('note-text').fill('before the outage');
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    const navigations = reloads;

    // The outage: the auth server's process is stopped (connections refused from now on).
    await demo.auth.stop();
    // The client's auto-refresh comes due at half the token's lifetime and cannot get through.
    const banner = page.getByTestId('outage-banner');
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(true);
    const host = new URL(demo.authUrl).host;
    expect(await banner.textContent()).toBe(
      `Can't reach the auth server (${host}) to renew your access token. You are still signed in: your session is kept, and this page reconnects by itself when the server is back. No need to reload.`,
    );
    expect(await page.getByTestId('whoami').textContent()).toBe(address);

    // Once the access token has really expired, the notes API refuses it: a save says why, in
    // words with a next step, and keeps the text.
    await page.waitForTimeout(Math.max(0, signedUpAt + (JWT_EXP + CLOCK_TOLERANCE + 1) * 1000 - Date.now()));
    await page.getByTestId('note-text').fill('written during the outage');
    await page.getByTestId('add-note').click();
    await expect
      .poll(() => page.getByTestId('notes-error').textContent(), { timeout: 15_000 })
      .toBe(
        "Couldn't save your note: your access token has expired and the auth server can't be reached to renew it (you are still signed in). It is still in the box: press Add again once the auth server is back.",
      );
    expect(await page.getByTestId('note-text').inputValue()).toBe('written during the outage');

    // The 20 calls fail, and the verdict says why instead of a bare count.
    const lanes = await fire(page);
    expect(lanes.with.succeeded).toBe(0);
    expect(lanes.with.signedOut).toBe(false);
    expect(lanes.with.verdict).toMatch(
      /0\/20 succeeded · \d+ refresh requests?: the access token has expired and the auth server can't be reached to renew it\. You are still signed in/,
    );
    expect(await page.getByTestId('whoami').textContent()).toBe(address);
    expect((await events(page)).map((event) => event.text).join('\n')).not.toContain('SIGNED_OUT');
    await page.screenshot({ path: join(artifacts, 'auth-unreachable.png'), fullPage: true });

    // The auth server is back, same port and database: the page notices by itself.
    restarted = (await startAuthServer({
      name: 'auth server',
      port: Number(new URL(demo.authUrl).port),
      database: join(dataDir, 'auth'),
      env: { LATCHKEY_JWT_EXP: String(JWT_EXP) },
      logFile: join(dataDir, 'auth.log'),
    })) as AuthServer;
    // Within the client's cooldown (at most 15 s after failed refreshes) plus the page's 3 s probe.
    await expect.poll(() => banner.isHidden(), { timeout: 40_000 }).toBe(true);
    expect(await page.getByTestId('whoami').textContent()).toBe(address);
    expect(await page.getByTestId('notes-error').textContent()).toBe('The auth server is back: press Add to save your note.');
    expect(await page.getByTestId('note').count()).toBe(1);
    // The kept text goes in with one more press.
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(2);
    expect(await page.getByTestId('notes-error').textContent()).toBe('');
    expect(reloads).toBe(navigations);
    expect((await events(page)).map((event) => event.text).join('\n')).not.toContain('SIGNED_OUT');
    await page.screenshot({ path: join(artifacts, 'auth-recovered.png'), fullPage: true });
    await context.close();
  });
});
