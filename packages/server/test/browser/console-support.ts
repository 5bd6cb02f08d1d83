/** What the console's Chromium tests share: the browser, the artifacts folder, signing in, axe. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestServer } from '../../src/testing.js';
import { chromiumAvailable as supportChromiumAvailable, launchChromium } from '../support/chromium.js';

export const artifacts = fileURLToPath(new URL('../../../../test-artifacts/console/', import.meta.url));

export const chromiumAvailable = () => supportChromiumAvailable('console');
export const launch = () => launchChromium(artifacts);

export async function signIn(page: Page, server: TestServer): Promise<void> {
  await page.goto(`${server.url}/console`);
  await page.getByLabel('Secret key').fill(server.secretKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

/** Opens a console page by its hash and waits until it has drawn its heading. */
export async function open(page: Page, server: TestServer, hash: string, heading: string | RegExp): Promise<void> {
  const target = `${server.url}/console${hash}`;
  // The same URL again is no navigation at all (nothing changes but nothing redraws): reload it.
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Clicks the confirmation dialog's confirm button. */
export async function confirm(page: Page): Promise<void> {
  await page.locator('dialog#confirm[open]').waitFor();
  await page.locator('#confirm-ok').click();
}

export async function statusText(page: Page): Promise<string> {
  return (await page.locator('#status').textContent()) ?? '';
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page, described. Injected by evaluation
 * (the console's CSP would refuse an inline <script>, as it should).
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return (result.violations as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[]).map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}

/** True when the page scrolls sideways (it must not, down to a half laptop screen). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

export async function expectNoSecretIn(page: Page, secrets: string[]): Promise<void> {
  const seen = await page.evaluate(() => ({
    html: document.documentElement.outerHTML,
    cookie: document.cookie,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
  }));
  for (const secret of secrets) for (const [where, text] of Object.entries(seen)) expect(text, where).not.toContain(secret);
}
