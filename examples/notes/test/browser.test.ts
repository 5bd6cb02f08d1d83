/**
 * The demo in a real browser (Debian Chromium driven by playwright-core): the failure Latchkey
 * exists to prevent — parallel requests after expiry logging the user out — shown happening
 * without it and not happening with it, and everything around it a newcomer meets: errors in
 * words, other tabs, the layout on a phone. Time jumps are made with Playwright's page clock (the
 * client computes expiry on the device's clock) or the page's own "expire now" control, never by
 * sleeping. Screenshots land in test-artifacts/notes/. (An outage of the auth server: outage.test.ts.)
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  artifacts,
  chromiumAvailable,
  demoInBrowser,
  events,
  fire,
  newEmail,
  offScreen,
  PASSWORD,
  signOut,
  signUp,
} from './support/browser.js';

const TWO_HOURS = 2 * 3600 * 1000;

const available = chromiumAvailable();
const running = demoInBrowser('main');

let context: BrowserContext;
/** Refresh requests any tab of this profile sent to the demo's auth server (not the strict one). */
let refreshRequests: string[];
/** The refresh token each of those presented, in order. */
let presentedTokens: string[];
/** Responses the pages got that were 404 (the favicon used to be one). */
let notFound: string[];
beforeEach(async () => {
  if (!available) return;
  context = await running.browser.newContext({ viewport: { width: 1280, height: 900 } });
  refreshRequests = [];
  presentedTokens = [];
  notFound = [];
  context.on('request', (request) => {
    if (!request.url().startsWith(running.demo.authUrl) || !request.url().includes('grant_type=refresh_token')) return;
    refreshRequests.push(request.url());
    presentedTokens.push(String(JSON.parse(request.postData() ?? '{}').refresh_token));
  });
  context.on('response', (response) => {
    if (response.status() === 404) notFound.push(response.url());
  });
});
afterEach(async () => {
  await context?.close();
});

/** Moves the pages' clock two hours ahead: by the device's clock, the access token has expired. */
async function expire(...pages: Page[]): Promise<void> {
  const later = Date.now() + TWO_HOURS;
  for (const page of pages) await page.clock.setSystemTime(later);
}

describe.skipIf(!available)('notes demo in Chromium', () => {
  it('sign up, add notes, reload: the session, the notes and the numbered events survive; sign-out clears the form', async () => {
    const page = await context.newPage();
    const address = await signUp(page, running.demo.url);
    for (const text of ['first note', 'second note']) {
      await page.getByTestId('note-text').fill(text);
      await page.getByTestId('add-note').click();
    }
    await expect.poll(() => page.getByTestId('note').count()).toBe(2);
    await page.screenshot({ path: join(artifacts, 'notes.png'), fullPage: true });
    await page.reload();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
    await expect.poll(() => page.getByTestId('note').count()).toBe(2);
    // Numbered oldest first, and kept across the reload: the first visit's events, then the reload's.
    await expect.poll(async () => (await events(page)).length).toBe(3);
    expect(await events(page)).toEqual([
      { n: 1, text: expect.stringMatching(/^\d\d:\d\d:\d\d {2}INITIAL_SESSION: no session$/) },
      { n: 2, text: expect.stringMatching(/SIGNED_IN: here$/) },
      { n: 3, text: expect.stringMatching(/INITIAL_SESSION: session loaded from storage$/) },
    ]);
    // The favicon is served (it used to be a 404 on every load), and nothing else is missing.
    expect(notFound).toEqual([]);
    expect(await page.locator('link[rel=icon]').getAttribute('href')).toBe('/favicon.svg');

    await page.getByTestId('delete-note').first().click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    await signOut(page);
    // Signed out here: no notice, and the form does not keep the previous user's email and password.
    expect(await page.getByTestId('notice').isHidden()).toBe(true);
    expect(await page.getByTestId('email').inputValue()).toBe('');
    expect(await page.getByTestId('password').inputValue()).toBe('');
    expect((await events(page)).at(-1)?.text).toMatch(/SIGNED_OUT: you signed out here$/);
    await page.screenshot({ path: join(artifacts, 'signed-out.png'), fullPage: true });
    await page.getByTestId('email').fill(address);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
  });

  it('sign-in errors are said in words, with a way to sign up from there (and to sign in from a taken sign-up)', async () => {
    const page = await context.newPage();
    const address = newEmail();
    await page.goto(running.demo.url);
    await page.getByTestId('email').fill(address);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('auth-error').textContent()).toContain("That email and password don't match an account.");
    expect(await page.getByTestId('auth-error').textContent()).not.toContain('invalid_credentials');
    await page.screenshot({ path: join(artifacts, 'sign-in-error.png'), fullPage: true });
    // The next step is right there: create the account with what was typed.
    await page.getByTestId('auth-error-sign-up').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
    await signOut(page);
    await page.getByTestId('email').fill(address);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-up').click();
    await expect.poll(() => page.getByTestId('auth-error').textContent()).toContain('There is already an account with this email.');
    await page.getByTestId('auth-error-sign-in').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
  });

  it('expire now, then 20 calls in both lanes: without Latchkey the session is revoked by reuse detection; with it, one refresh and 20 successes', async () => {
    const page = await context.newPage();
    const address = await signUp(page, running.demo.url);
    // The page says what to expect, and which layer prevents the failure.
    expect(await page.getByTestId('expect').innerText()).toMatch(/with Latchkey, 20 of 20 calls succeed on one refresh request/);
    const why = await page.getByTestId('why').innerText();
    expect(why).toMatch(/single flight/);
    expect(why).toMatch(/Second line, the server.*within 10 s/s);
    await expect.poll(() => page.getByTestId('token-state').textContent()).toMatch(/^Valid for \d+ more seconds/);

    await page.getByTestId('expire-now').click();
    await expect.poll(() => page.getByTestId('token-state').getAttribute('data-expired')).toBe('true');
    expect(await page.getByTestId('token-state').textContent()).toMatch(/^Expired\. Auto-refresh is paused until the next refresh/);
    expect(await page.getByTestId('expires').textContent()).toMatch(/^expired \d+ s ago/);
    // Paused: nothing renews the token before the calls go out.
    await page.waitForTimeout(1_000);
    expect(refreshRequests).toHaveLength(0);

    const lanes = await fire(page);
    // With Latchkey (the demo user's session): one refresh, every call succeeds, still signed in.
    expect(lanes.with).toMatchObject({ succeeded: 20, refreshes: 1, signedOut: false });
    expect(lanes.with.verdict).toMatch(
      /^\d\d:\d\d:\d\d · 20\/20 succeeded · 1 refresh request, shared by all 20 calls\. Still signed in\.$/,
    );
    expect(refreshRequests).toHaveLength(1);
    expect(lanes.with.log).toMatch(/refresh → sent: one request for all 20 calls/);
    expect(lanes.with.log).toMatch(/refresh → 200/);
    expect(await page.getByTestId('whoami').textContent()).toBe(address);

    // Without Latchkey (a throwaway session on the strict server): each call refreshed with the
    // same token; reuse detected; the session revoked; the app signed its user out.
    expect(lanes.without.signedOut).toBe(true);
    expect(lanes.without.refreshes).toBe(20);
    expect(lanes.without.succeeded).toBeLessThan(20);
    expect(lanes.without.log).toMatch(/call \d+: refresh R1 → 200, rotated: R1 is used up, R2 is the active token/);
    expect(lanes.without.log).toMatch(/call \d+: refresh R1 → 400 refresh_token_already_used\. Reuse detected/);
    expect(lanes.without.log).toMatch(/The app gets \w+ and signs its user out\./);
    expect(lanes.without.log).toMatch(
      /The demo checks R2, the token that had worked: → 400 session_not_found\. It died with the session\./,
    );
    expect(lanes.without.verdict).toMatch(
      /^\d\d:\d\d:\d\d · \d+\/20 succeeded · 20 refresh requests · reuse detected, session revoked: the user is signed out\.$/,
    );

    // After the run, auto-refresh is back and the token is fresh again.
    await expect.poll(() => page.getByTestId('token-state').getAttribute('data-expired')).toBe('false');
    expect((await events(page)).at(-1)?.text).toMatch(/TOKEN_REFRESHED: by this tab$/);
    expect(await page.getByTestId('refresh-count').textContent()).toBe('1');
    await page.screenshot({ path: join(artifacts, 'lanes.png'), fullPage: true });
    await page.getByTestId('race-panel').screenshot({ path: join(artifacts, 'lanes-panel.png') });
  });

  it('after a real expiry (the device clock moves past it), the 20 calls make exactly one refresh request', async () => {
    const page = await context.newPage();
    await page.clock.install();
    await signUp(page, running.demo.url);
    expect(refreshRequests).toHaveLength(0);
    await expire(page);
    const lanes = await fire(page);
    expect(lanes.with).toMatchObject({ succeeded: 20, refreshes: 1, signedOut: false });
    expect(refreshRequests).toHaveLength(1);
    await page.screenshot({ path: join(artifacts, 'burst-after-expiry.png'), fullPage: true });
  });

  it('a second run without expiring first says why no refresh was needed', async () => {
    const page = await context.newPage();
    await signUp(page, running.demo.url);
    const lanes = await fire(page);
    expect(lanes.with).toMatchObject({ succeeded: 20, refreshes: 0 });
    expect(lanes.with.verdict).toMatch(/none was needed, the access token was still valid\. Press "Expire the access token now" first\.$/);
  });

  it('two tabs: one refresh between them, "refreshed by another tab", counts for all tabs; signing out in one tells the other', async () => {
    const first = await context.newPage();
    await first.clock.install();
    const address = await signUp(first, running.demo.url);
    const second = await context.newPage();
    await second.clock.install();
    await second.goto(running.demo.url);
    await expect.poll(() => second.getByTestId('whoami').textContent()).toBe(address);
    expect((await events(second)).at(-1)?.text).toMatch(/INITIAL_SESSION: session loaded from storage$/);

    await expire(first, second);
    const [a, b] = await Promise.all([fire(first), fire(second)]);
    expect(a.with.succeeded).toBe(20);
    expect(b.with.succeeded).toBe(20);
    // One refresh between the tabs (Web Locks). Rarely two: Chromium hands the lock to the second
    // tab before the first tab's localStorage write has reached it (storage propagates between
    // renderer processes asynchronously), so it presents the same token again — and the auth
    // server's reuse interval answers with the same successor. Never a third, and never a token
    // other than the one both tabs held: nothing the server could take for reuse.
    expect(refreshRequests.length).toBeGreaterThanOrEqual(1);
    expect(refreshRequests.length).toBeLessThanOrEqual(2);
    expect(new Set(presentedTokens).size).toBe(1);
    // Each tab counts its own requests and all tabs' together.
    const count = async (page: Page, id: string) => Number(await page.getByTestId(id).textContent());
    await expect.poll(() => count(first, 'refresh-count-all')).toBe(refreshRequests.length);
    await expect.poll(() => count(second, 'refresh-count-all')).toBe(refreshRequests.length);
    expect((await count(first, 'refresh-count')) + (await count(second, 'refresh-count'))).toBe(refreshRequests.length);
    // The tab that sent no request says another tab refreshed.
    if (refreshRequests.length === 1) {
      const logs = [await events(first), await events(second)].map((list) => list.map((e) => e.text).join('\n'));
      expect(logs.filter((log) => log.includes('TOKEN_REFRESHED: refreshed by another tab (no request from this one)'))).toHaveLength(1);
      expect(logs.filter((log) => log.includes('TOKEN_REFRESHED: by this tab'))).toHaveLength(1);
      const quiet = (await count(first, 'refresh-count')) === 0 ? a : b;
      expect(quiet.with.verdict).toMatch(/0 refresh requests from this tab: another tab refreshed, and this one adopted its tokens/);
    }
    await second.screenshot({ path: join(artifacts, 'two-tabs.png'), fullPage: true });

    await first.getByTestId('sign-out').click();
    await expect.poll(() => second.getByTestId('whoami').textContent(), { timeout: 10_000 }).toBe('signed out');
    await expect.poll(() => second.getByTestId('notice').isVisible()).toBe(true);
    expect(await second.getByTestId('notice-text').textContent()).toBe('You were signed out in another tab.');
    expect((await events(second)).at(-1)?.text).toMatch(/SIGNED_OUT: in another tab$/);
    expect(await second.getByTestId('email').inputValue()).toBe('');
    expect(await first.getByTestId('notice').isHidden()).toBe(true);
    await second.screenshot({ path: join(artifacts, 'signed-out-in-another-tab.png'), fullPage: true });
    // Signing in again clears the notice.
    await second.getByTestId('email').fill(address);
    await second.getByTestId('password').fill(PASSWORD);
    await second.getByTestId('sign-in').click();
    await expect.poll(() => second.getByTestId('notice').isHidden()).toBe(true);
  });

  it('a note that cannot be saved says why and what to do, and keeps the text', async () => {
    const page = await context.newPage();
    await signUp(page, running.demo.url);
    await context.route('**/api/notes', (route) =>
      route.request().method() === 'POST' ? route.abort('connectionrefused') : route.fallback(),
    );
    await page.getByTestId('note-text').fill('written while the API was down');
    await page.getByTestId('add-note').click();
    await expect
      .poll(() => page.getByTestId('notes-error').textContent())
      .toBe(
        "Couldn't save your note: the notes API doesn't answer (is `npm run demo` still running?). It is still in the box: press Add again.",
      );
    expect(await page.getByTestId('note-text').inputValue()).toBe('written while the API was down');
    await context.unroute('**/api/notes');
    await page.getByTestId('add-note').click();
    await expect.poll(() => page.getByTestId('note').count()).toBe(1);
    expect(await page.getByTestId('notes-error').textContent()).toBe('');
  });

  it('a 390 px wide phone: nothing off-screen (header, sign-out, countdown, both lanes), down to 360 px', async () => {
    const phone = await running.browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await phone.newPage();
      await page.goto(running.demo.url);
      expect(await offScreen(page)).toEqual([]);
      // A long address: the header must still fit, with "Sign out" on screen.
      await signUp(page, running.demo.url, `a-rather-long-name-${Date.now()}@a-long-domain.example.com`);
      await page.getByTestId('expire-now').click();
      await fire(page);
      for (const width of [390, 360]) {
        await page.setViewportSize({ width, height: 844 });
        await page.evaluate(() => window.scrollTo(0, 0));
        expect(await offScreen(page), `at ${width} px`).toEqual([]);
        const button = await page.getByTestId('sign-out').boundingBox();
        expect(button && button.y + button.height <= 844 && button.x + button.width <= width).toBe(true);
        // The countdown stays on one line (it used to wrap one word per line).
        const countdown = await page.getByTestId('expires').boundingBox();
        const lineHeight = await page.getByTestId('expires').evaluate((element) => parseFloat(getComputedStyle(element).lineHeight) || 20);
        expect(countdown!.height).toBeLessThan(lineHeight * 1.5);
      }
      await page.setViewportSize({ width: 390, height: 844 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(artifacts, 'phone-390.png') });
      await page.screenshot({ path: join(artifacts, 'phone-390-full.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
