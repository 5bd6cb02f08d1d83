/**
 * The console cookie authorizes admin calls only from the console itself. Three checks, each
 * enough against a cross-site request on its own, all required:
 *  - the cookie is SameSite=Strict (browser-request.ts), so another site's requests lack it;
 *  - the request carries the CSRF token minted for this cookie in a custom header, which only
 *    script on the console's own origin can know (it is never in the page or its storage) and set;
 *  - Origin and Sec-Fetch-Site, when the browser sends them, name the console's own origin.
 * "Same-site" is not "same-origin": an app on localhost:3000 is same-site with a server on
 * localhost:9999 and would get a Strict cookie sent, which is why the last two checks exist.
 */
import type { App } from '../app.js';
import { consoleTokenHash, csrfTokenMatches } from '../crypto/console-token.js';
import { LatchkeyError } from '../errors.js';
import { findConsoleSession } from '../store/console-sessions.js';
import type { BrowserRequest } from './browser-request.js';

/**
 * Refuses a request another origin started. `requireOrigin`: for state-changing requests, where
 * browsers always send Origin (a request without one did not come from a browser's console page).
 */
export function assertSameOrigin(browser: BrowserRequest, requireOrigin: boolean): void {
  // Sec-Fetch-Site is set by the browser and cannot be forged by page script (a forbidden header).
  if (browser.fetchSite !== undefined && browser.fetchSite !== 'same-origin' && browser.fetchSite !== 'none')
    throw new LatchkeyError('console_csrf_failed');
  if (browser.origin === undefined) {
    if (requireOrigin) throw new LatchkeyError('console_csrf_failed');
    return;
  }
  let host: string;
  try {
    host = new URL(browser.origin).host;
  } catch {
    throw new LatchkeyError('console_csrf_failed');
  }
  // The Host the browser addressed is the console's own; a proxy in front must pass it through.
  if (browser.host === undefined || host !== browser.host) throw new LatchkeyError('console_csrf_failed');
}

/** The console session a cookie names, live now, or `console_session_invalid`. */
export async function liveConsoleSession(app: App, browser: BrowserRequest, now: Date): Promise<{ tokenHash: string; expiresAt: Date }> {
  if (!app.config.consoleEnabled || !browser.cookieToken) throw new LatchkeyError('console_session_invalid');
  const tokenHash = consoleTokenHash(browser.cookieToken);
  const session = await findConsoleSession(app.db, tokenHash, now);
  if (!session) throw new LatchkeyError('console_session_invalid');
  return { tokenHash, expiresAt: new Date(session.expires_at) };
}

/** Authorizes an admin call by console cookie: same origin, the cookie's CSRF token, a live session. */
export async function authorizeConsoleCall(app: App, browser: BrowserRequest, method: string, now: Date): Promise<void> {
  assertSameOrigin(browser, method !== 'GET' && method !== 'HEAD');
  // Checked before the database is asked: a request without the right token costs nothing.
  if (!browser.cookieToken || !browser.csrf || !csrfTokenMatches(app.consoleCsrfKey, browser.cookieToken, browser.csrf))
    throw new LatchkeyError('console_csrf_failed');
  await liveConsoleSession(app, browser, now);
}
