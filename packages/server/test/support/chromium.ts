/** Debian's Chromium for the browser tests, driven by playwright-core: found (or, under CI, required) and launched one way. */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** In CI the browser is part of the install (.ci/run): its absence is a failure, not a skip. */
export function chromiumAvailable(label: string): boolean {
  if (!existsSync(CHROMIUM) && process.env.CI) throw new Error(`${CHROMIUM} is not installed: .ci/run should have installed it.`);
  if (!existsSync(CHROMIUM)) console.warn(`[${label}] skipped: ${CHROMIUM} is not installed (apt-get install chromium).`);
  return existsSync(CHROMIUM);
}

/** Headless Chromium; `artifacts` (the screenshots' folder), when given, is created first. */
export async function launchChromium(artifacts?: string): Promise<Browser> {
  if (artifacts) mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
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
}
