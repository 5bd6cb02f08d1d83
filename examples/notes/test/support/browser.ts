/** What the demo's browser tests share: Chromium, the artifacts folder, signing up, reading the lanes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable as serverChromiumAvailable, launchChromium } from '../../../../packages/server/test/support/chromium.js';
import { afterAll, beforeAll, expect } from 'vitest';
// @ts-expect-error — plain ESM script without types
import { startDemo } from '../../scripts/demo.mjs';

export { addVirtualAuthenticator, CHROMIUM } from '../../../../packages/server/test/support/chromium.js';
export const artifacts = fileURLToPath(new URL('../../../../test-artifacts/notes/', import.meta.url));

/** In CI the browser is part of the install (.ci/run): its absence is a failure, not a skip. */
export const chromiumAvailable = () => serverChromiumAvailable('notes');

export const launch = () => launchChromium(artifacts);

export interface Demo {
  url: string;
  authUrl: string;
  /** The strict auth server (reuse interval 0) of the "without Latchkey" lane. */
  strictAuthUrl: string;
  /** The demo identity provider (scripts/idp.mjs). */
  idpUrl: string;
  stop(): Promise<void>;
}

/**
 * A demo of a test file's own (a fresh data directory) and a Chromium, started before the file's
 * tests and stopped after them. Read `demo` and `browser` inside tests and hooks (they are set by
 * then); nothing starts where Chromium is missing (the file's tests skip, or fail under CI).
 */
export function demoInBrowser(label: string): { demo: Demo; browser: Browser } {
  const running = {} as { demo: Demo; browser: Browser };
  let dataDir: string | undefined;
  beforeAll(async () => {
    if (!chromiumAvailable()) return;
    dataDir = mkdtempSync(join(tmpdir(), `latchkey-notes-${label}-`));
    running.demo = (await startDemo({ dataDir, authPort: 0, apiPort: 0, jwtExp: 600 })) as Demo;
    running.browser = await launch();
  }, 90_000);
  afterAll(async () => {
    await running.browser?.close();
    await running.demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return running;
}

export const PASSWORD = 'correct horse battery';
export const newEmail = () => `notes-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;

export async function signUp(page: Page, url: string, address = newEmail()): Promise<string> {
  await page.goto(url);
  await page.getByTestId('email').fill(address);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('sign-up').click();
  await expect.poll(() => page.getByTestId('whoami').textContent()).toBe(address);
  return address;
}

/**
 * Clicks "Sign out" and waits until the page says so: the click only starts the sign-out (a call
 * to the auth server, then the stored session is removed), so typing into the form or navigating
 * before it is over races it (a navigation can leave the session stored; the form is emptied).
 */
export async function signOut(page: Page): Promise<void> {
  await page.getByTestId('sign-out').click();
  await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('signed out');
}

/** A lane's outcome once its run is over (the verdict's data attributes), and its texts. */
export interface LaneOutcome {
  succeeded: number;
  refreshes: number;
  signedOut: boolean;
  verdict: string;
  log: string;
}

export async function laneOutcome(page: Page, lane: 'without' | 'with'): Promise<LaneOutcome> {
  const verdict = page.locator(lane === 'with' ? '#burst-result' : '#naive-result');
  await expect.poll(() => verdict.getAttribute('data-succeeded'), { timeout: 30_000 }).not.toBeNull();
  return {
    succeeded: Number(await verdict.getAttribute('data-succeeded')),
    refreshes: Number(await verdict.getAttribute('data-refreshes')),
    signedOut: (await verdict.getAttribute('data-signed-out')) === 'true',
    verdict: (await verdict.textContent()) ?? '',
    log: (await page.locator(lane === 'with' ? '#latchkey-log' : '#naive-log').innerText()) ?? '',
  };
}

/** Fires the 20 calls in both lanes and waits for both to finish. */
export async function fire(page: Page): Promise<{ without: LaneOutcome; with: LaneOutcome }> {
  await page.getByTestId('burst').click();
  const [without, withLatchkey] = await Promise.all([laneOutcome(page, 'without'), laneOutcome(page, 'with')]);
  await expect.poll(() => page.getByTestId('burst').isEnabled()).toBe(true);
  return { without, with: withLatchkey };
}

/** The auth events this tab logged, oldest first, with their numbers. */
export async function events(page: Page): Promise<{ n: number; text: string }[]> {
  return page
    .getByTestId('events')
    .locator('li')
    .evaluateAll((items) => items.map((item) => ({ n: (item as HTMLLIElement).value, text: item.textContent ?? '' })));
}

/** Elements that stick out of the viewport sideways (described for the failure message). */
export function offScreen(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const element of document.querySelectorAll('body *')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || getComputedStyle(element).visibility === 'hidden') continue;
      if (box.left < -0.5 || box.right > width + 0.5) {
        const id = element.id
          ? `#${element.id}`
          : (element as HTMLElement).dataset.testid
            ? `[${(element as HTMLElement).dataset.testid}]`
            : '';
        out.push(`${element.tagName.toLowerCase()}${id} ${Math.round(box.left)}..${Math.round(box.right)} (viewport ${width})`);
      }
    }
    if (document.documentElement.scrollWidth > width) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    return out;
  });
}
