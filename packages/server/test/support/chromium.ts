/** Debian's Chromium for the browser tests, driven by playwright-core: found (or, under CI, required) and launched one way. */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

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

/**
 * Listens on a free port and answers the origin a WebAuthn page must use: localhost, not
 * 127.0.0.1, because WebAuthn needs a secure context and an RP id that is a domain.
 */
export async function listenOnLocalhost(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

/**
 * Chromium's virtual authenticator on a page (the DevTools protocol's WebAuthn domain): CTAP2,
 * resident keys, user verification, presence answered at once — what a passkey on a phone or
 * laptop does, with no prompt.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** A fresh context and page with a virtual authenticator (addVirtualAuthenticator). */
export async function withVirtualAuthenticator(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { context, page, ...(await addVirtualAuthenticator(context, page)) };
}
