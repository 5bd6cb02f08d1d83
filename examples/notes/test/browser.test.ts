/**
 * The demo in a real browser (Debian Chromium driven by playwright-core): the seeds' failure —
 * parallel requests after expiry logging the user out — cannot happen. Time jumps are made with
 * Playwright's page clock (the client computes expiry on the device's clock), never by sleeping.
 * Screenshots of the key screens land in test-artifacts/notes/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without types
import { startDemo } from '../scripts/demo.mjs';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../../test-artifacts/notes/', import.meta.url));
const TWO_HOURS = 2 * 3600 * 1000;

let demo: { url: string; authUrl: string; stop(): Promise<void> };
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'latchkey-notes-'));
  demo = await startDemo({ dataDir, authPort: 0, apiPort: 0, jwtExp: 600 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

let context: BrowserContext;
let refreshRequests: string[];
/** The refresh token each refresh request presented, in order. */
let presentedTokens: string[];
beforeEach(async () => {
  context = await browser.newContext();
  refreshRequests = [];
  presentedTokens = [];
  // Counted at the network layer: every refresh request any tab of this profile sends.
  context.on('request', (request) => {
    if (!request.url().includes('grant_type=refresh_token')) return;
    refreshRequests.push(request.url());
    presentedTokens.push(String(JSON.parse(request.postData() ?? '{}').refresh_token));
  });
});
afterEach(async () => {
  await context?.close();
});

const email = () => `notes-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;

async function signUp(page: Page): Promise<string> {
  const address = email();
  await page.goto(demo.url);
  await page.getByTestId('email').fill(address);
  await page.getByTestId('password').fill('correct horse battery');
  await page.getByTestId('sign-up').click();
  await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
  return address;
}

async function burst(page: Page): Promise<string> {
  await page.getByTestId('burst').click();
  await expect.poll(() => page.getByTestId('burst-result').textContent(), { timeout: 20_000 }).toMatch(/succeeded/);
  return (await page.getByTestId('burst-result').textContent()) as string;
}

/** Moves the page's clock two hours ahead: by the device's clock, the access token has expired. */
async function expire(...pages: Page[]): Promise<void> {
  const later = Date.now() + TWO_HOURS;
  for (const page of pages) await page.clock.setSystemTime(later);
}

// In CI the browser is part of the install (.ci/run): its absence is a failure, not a skip.
if (!existsSync(CHROMIUM) && process.env.CI) throw new Error(`${CHROMIUM} is not installed: .ci/run should have installed it.`);

describe.skipIf(!existsSync(CHROMIUM))('notes demo in Chromium', () => {
  it('sign up, add notes, reload: the session and the notes survive', async () => {
    const page = await context.newPage();
    await page.clock.install();
    const address = await signUp(page);
    for (const text of ['first note', 'second note']) {
      await page.getByTestId('note-text').fill(text);
      await page.getByTestId('add-note').click();
    }
    await expect.poll(() => page.getByTestId('note').count()).toBe(2);
    await page.screenshot({ path: join(artifacts, 'notes.png'), fullPage: true });
    await page.reload();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
    await expect.poll(() => page.getByTestId('note').count()).toBe(2);
    await page.getByTestId('delete-note').first().click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    // Sign out, then sign back in with the password.
    await page.getByTestId('sign-out').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('signed out');
    await page.screenshot({ path: join(artifacts, 'signed-out.png'), fullPage: true });
    await page.getByTestId('email').fill(address);
    await page.getByTestId('password').fill('correct horse battery');
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
  });

  it('after expiry, 20 parallel API calls: 20 successes and exactly one refresh request', async () => {
    const page = await context.newPage();
    await page.clock.install();
    await signUp(page);
    expect(refreshRequests).toHaveLength(0);
    await expire(page);
    expect(await burst(page)).toBe('20/20 succeeded, 1 refresh request(s)');
    expect(refreshRequests).toHaveLength(1);
    await page.screenshot({ path: join(artifacts, 'burst-after-expiry.png'), fullPage: true });
    // Still signed in, and the events log shows the refresh.
    await expect.poll(() => page.getByTestId('events').textContent()).toContain('TOKEN_REFRESHED');
  });

  it('two tabs: one refresh between them, both keep working; signing out in one signs out the other', async () => {
    const first = await context.newPage();
    await first.clock.install();
    const address = await signUp(first);
    const second = await context.newPage();
    await second.clock.install();
    await second.goto(demo.url);
    await expect.poll(() => second.getByTestId('whoami').textContent()).toBe(address);

    await expire(first, second);
    const [a, b] = await Promise.all([burst(first), burst(second)]);
    expect(a).toMatch(/^20\/20 succeeded/);
    expect(b).toMatch(/^20\/20 succeeded/);
    // One refresh between the tabs (Web Locks). Rarely two: Chromium hands the lock to the second
    // tab before the first tab's localStorage write has reached it (storage propagates between
    // renderer processes asynchronously), so it presents the same token again — and the auth
    // server's reuse interval answers with the same successor. Never a third, and never a token
    // other than the one both tabs held: nothing the server could take for reuse.
    expect(refreshRequests.length).toBeGreaterThanOrEqual(1);
    expect(refreshRequests.length).toBeLessThanOrEqual(2);
    expect(new Set(presentedTokens).size).toBe(1);
    await second.screenshot({ path: join(artifacts, 'two-tabs.png'), fullPage: true });

    await first.getByTestId('sign-out').click();
    await expect.poll(() => second.getByTestId('whoami').textContent(), { timeout: 10_000 }).toBe('signed out');
  });

  it('the auth server unreachable during a refresh: the user stays signed in and recovers when it is back', async () => {
    const page = await context.newPage();
    await page.clock.install();
    const address = await signUp(page);
    await context.route('**/token?grant_type=refresh_token*', (route) => route.abort('connectionrefused'));
    await expire(page);
    await page.getByTestId('burst').click();
    await expect.poll(() => page.getByTestId('burst-result').textContent(), { timeout: 20_000 }).toMatch(/succeeded/);
    expect(await page.getByTestId('whoami').textContent()).toBe(address);
    // Retried, not dropped: a network failure is never a reason to sign out.
    expect(refreshRequests.length).toBeGreaterThan(1);
    expect(await page.getByTestId('events').textContent()).not.toContain('SIGNED_OUT');
    await page.screenshot({ path: join(artifacts, 'auth-unreachable.png'), fullPage: true });

    await context.unroute('**/token?grant_type=refresh_token*');
    refreshRequests = [];
    // After calls whose attempts all failed, the client sends nothing until a cooldown has passed
    // (growing with each such call, at most 15 s) — then exactly one refresh, by whichever of the
    // timer or the burst comes first.
    await page.clock.fastForward(16_000);
    expect(await burst(page)).toMatch(/^20\/20 succeeded/);
    await expect.poll(() => refreshRequests.length).toBe(1);
    expect(await page.getByTestId('whoami').textContent()).toBe(address);
    const stored = await page.evaluate(() => Object.keys(localStorage).length);
    expect(stored).toBeGreaterThan(0);
  });
});
