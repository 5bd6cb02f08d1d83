/**
 * The console's sign-in (issue #18): the secret key, typed once, is exchanged for a short-lived
 * HttpOnly cookie and a CSRF token; the page never keeps the key. GET answers the CSRF token
 * again after a reload; DELETE signs out.
 */
import { z } from 'zod';
import { clearedConsoleCookie, consoleCookie } from '../console/browser-request.js';
import { assertSameOrigin, authorizeConsoleCall, liveConsoleSession } from '../console/guard.js';
import { consoleTokenHash, csrfTokenFor, newConsoleToken } from '../crypto/console-token.js';
import { LatchkeyError } from '../errors.js';
import { route } from '../http/route.js';
import { secretEquals } from '../http/secret-equals.js';
import { createConsoleSession, deleteConsoleSession } from '../store/console-sessions.js';

/**
 * How long a console sign-in lasts. Short: a cookie left in an unattended browser, or copied off
 * a machine, stops working within the hour, and nothing extends it (sign in again).
 */
export const CONSOLE_SESSION_SECONDS = 3600;

export const consoleSignIn = route({
  method: 'POST',
  path: '/console/session',
  auth: 'public',
  summary:
    'Console sign-in: { secret_key } → an HttpOnly SameSite=Strict cookie (one hour) and { csrf_token, expires_at }; same-origin browser requests only, rate-limited per IP.',
  body: z.object({ secret_key: z.string().min(1).max(512) }),
  async handler({ app, body, request }) {
    if (!app.config.consoleEnabled) throw new LatchkeyError('not_found');
    // Login CSRF: another site must not sign this browser in with a key of its choosing.
    assertSameOrigin(request.browser, true);
    // Before the comparison, right or wrong: guessing costs a token per try.
    app.limiter.take('consoleSignInPerIp', request.ip);
    // Constant time: the answer's timing must not tell how much of a guess was right.
    if (!secretEquals(body.secret_key, app.apiKeys.secretKey)) {
      await app.audit({ type: 'console_sign_in_failed', actor: 'anonymous', ip: request.ip, userAgent: request.userAgent });
      throw new LatchkeyError('invalid_secret_key');
    }
    const token = newConsoleToken();
    const expiresAt = new Date(request.now.getTime() + CONSOLE_SESSION_SECONDS * 1000);
    await createConsoleSession(app.db, {
      tokenHash: consoleTokenHash(token),
      now: request.now,
      expiresAt,
      ip: request.ip,
      userAgent: request.userAgent,
    });
    await app.audit({ type: 'console_signed_in', actor: 'admin', ip: request.ip, userAgent: request.userAgent });
    return {
      // The CSRF token goes to the page's script, which keeps it in memory only; the cookie's
      // value never reaches script at all (HttpOnly).
      body: { csrf_token: csrfTokenFor(app.consoleCsrfKey, token), expires_at: expiresAt.toISOString() },
      headers: { 'set-cookie': consoleCookie(token, CONSOLE_SESSION_SECONDS, request.browser.https) },
    };
  },
});

export const consoleSessionInfo = route({
  method: 'GET',
  path: '/console/session',
  auth: 'public',
  summary: 'The console session of the cookie: { csrf_token, expires_at } (401 console_session_invalid without a live one).',
  async handler({ app, request }) {
    // Only the console's own pages may read the token (no CORS grant either: console/headers).
    assertSameOrigin(request.browser, false);
    const session = await liveConsoleSession(app, request.browser, request.now);
    return {
      body: {
        csrf_token: csrfTokenFor(app.consoleCsrfKey, request.browser.cookieToken as string),
        expires_at: session.expiresAt.toISOString(),
      },
    };
  },
});

export const consoleSignOut = route({
  method: 'DELETE',
  path: '/console/session',
  auth: 'public',
  summary: 'Console sign-out: the session ends in the database and the cookie is cleared (CSRF token required).',
  async handler({ app, request }) {
    await authorizeConsoleCall(app, request.browser, 'DELETE', request.now);
    await deleteConsoleSession(app.db, consoleTokenHash(request.browser.cookieToken as string));
    await app.audit({ type: 'console_signed_out', actor: 'admin', ip: request.ip, userAgent: request.userAgent });
    return { status: 204, headers: { 'set-cookie': clearedConsoleCookie(request.browser.https) } };
  },
});
