/**
 * The admin console (issue #18) in real Chromium against a real server with seeded users: sign
 * in with the secret key, find a user and end a session (its refresh token then fails), ban and
 * unban, remove a factor, see a reuse detection this test provokes on the Overview chart and in
 * the Audit list, rotate a key (refused before the publish delay, done once the server's clock
 * has passed it). Every page gets a screenshot in test-artifacts/console/, an axe-core check
 * (no serious or critical violations) and a look at ~640 px wide.
 *
 * Fails (does not skip) under CI when /usr/bin/chromium is missing.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, refresh, signUp, uniqueEmail, type Tokens } from '../helpers.js';
import { claims, enrolTotp, signIn as passwordSignIn } from '../routes/mfa/mfa-helpers.js';
import {
  accessibilityProblems,
  artifacts,
  chromiumAvailable,
  confirm,
  expectNoSecretIn,
  launch,
  open,
  scrollsSideways,
  signIn,
  statusText,
} from './console-support.js';

const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium).each(databaseCases(testDatabases()))('the admin console in Chromium (%s)', (label, database) => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let ada: { email: string; first: Tokens; second: Tokens; factorId: string };

  /** A user whose refresh token comes back after it was rotated: a reuse detection. */
  async function provokeReuse(): Promise<string> {
    const victim = await signUp(server, uniqueEmail('victim'));
    expect((await refresh(server.authUrl, victim.refresh_token)).status).toBe(200);
    server.clock.advance(11_000);
    expect((await refresh(server.authUrl, victim.refresh_token)).body.code).toBe('refresh_token_already_used');
    // The reuse is audited off the request's path (server.ts onReuse): wait for its entry before drawing.
    const path = `/admin/audit?user_id=${victim.user.id}&type=token_reuse_detected`;
    await expect.poll(async () => (await call(server.authUrl, 'GET', path, { token: server.secretKey })).body.entries.length).toBe(1);
    return victim.user.id;
  }

  beforeAll(async () => {
    server = await startTestServer({ database, config: { keyPublishDelay: 900, jwtExp: 600 } });
    // Seed: a handful of users, one (Ada) with two sessions and a second factor; an invitation in the outbox.
    const email = uniqueEmail('ada');
    const first = await signUp(server, email);
    const second = await passwordSignIn(server, email);
    const factorId = (await enrolTotp(server, second.access_token, 'Ada phone')).id;
    ada = { email, first, second, factorId };
    for (const name of ['grace', 'linus', 'barbara']) await signUp(server, uniqueEmail(name));
    await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'not the password' } });
    await call(server.authUrl, 'POST', '/invite', { token: server.secretKey, body: { email: uniqueEmail('invited') } });
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  it('signs in with the secret key; the cookie is HttpOnly and no secret reaches the page or its storage; the CSP holds', async () => {
    await page.goto(`${server.url}/console`);
    await page.getByLabel('Secret key').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(artifacts, `sign-in-${label}.png`) });
    // A wrong key is refused on the page.
    await page.getByLabel('Secret key').fill('lk_secret_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('not the secret key');

    await signIn(page, server);
    const cookies = await context.cookies();
    const cookie = cookies.find((c) => c.name === 'latchkey_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('latchkey_console');
    await expectNoSecretIn(page, [server.secretKey, cookie!.value]);
    // An injected inline script does not run: the CSP allows scripts from the console's files only.
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.append(script);
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    // A reload keeps the session (the cookie), and asks the server for the CSRF token again.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Secret key').waitFor();
    await page.goto(`${server.url}/console#/users`);
    await page.getByLabel('Secret key').waitFor();
  });

  it('a page still loading when the URL moves on never draws over the page that replaced it', async () => {
    await signIn(page, server);
    // The Overview's statistics answer late (a busy database), after the user has moved on.
    await page.route('**/admin/stats**', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => undefined);
    });
    await page.goto(`${server.url}/console#/overview`);
    await page.goto(`${server.url}/console#/users`);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.waitForResponse('**/admin/stats**');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.getByRole('heading', { level: 1 }).allTextContents()).toEqual(['Users']);
    await page.unroute('**/admin/stats**');
  });

  it('finds a user, ends one of their sessions (its refresh token then fails), removes a factor, edits metadata', async () => {
    await signIn(page, server);
    await open(page, server, '#/users', 'Users');
    await page.getByLabel('Search by email or id').fill(ada.email.slice(0, 10));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: ada.email }).click();
    await page.getByRole('heading', { level: 1, name: ada.email }).waitFor();
    const endedSession = claims(ada.first.access_token).session_id as string;
    expect(await page.locator(`[data-testid=sessions] button[data-session]`).count()).toBe(2);
    await page.locator(`button[data-session="${endedSession}"]`).click();
    await confirm(page);
    await expect.poll(() => page.locator(`button[data-session="${endedSession}"]`).count()).toBe(0);
    const refused = await refresh(server.authUrl, ada.first.refresh_token);
    expect(refused.status).not.toBe(200);
    expect(refused.body.code).toBe('session_not_found');
    expect((await refresh(server.authUrl, ada.second.refresh_token)).status).toBe(200);

    await page.getByRole('button', { name: 'Remove factor Ada phone' }).click();
    await confirm(page);
    await expect.poll(() => page.getByRole('button', { name: 'Remove factor Ada phone' }).count()).toBe(0);

    // Metadata: invalid JSON is refused on the page; a valid object is saved.
    const editor = page.getByTestId('app_metadata');
    await editor.fill('{ "plan": ');
    await page.getByRole('button', { name: 'Save app metadata' }).click();
    await expect.poll(() => editor.getAttribute('aria-invalid')).toBe('true');
    await editor.fill('{ "plan": "pro" }');
    await page.getByRole('button', { name: 'Save app metadata' }).click();
    await confirm(page);
    await expect
      .poll(
        async () =>
          (await call(server.authUrl, 'GET', `/admin/users/${ada.first.user.id}`, { token: server.secretKey })).body.app_metadata.plan,
      )
      .toBe('pro');
    await page.screenshot({ path: join(artifacts, `user-${label}.png`), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('bans and unbans a user', async () => {
    const email = uniqueEmail('banned');
    const user = await signUp(server, email);
    await signIn(page, server);
    await open(page, server, `#/users/${user.user.id}`, email);
    await page.getByLabel('Ban for').selectOption('24h');
    await page.getByRole('button', { name: 'Ban', exact: true }).click();
    await confirm(page);
    await page.getByRole('button', { name: 'Unban' }).waitFor();
    expect(await page.getByTestId('profile-banned-until').textContent()).toMatch(/UTC/);
    const banned = await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'correct horse battery' } });
    expect(banned.body.code).toBe('user_banned');
    expect((await refresh(server.authUrl, user.refresh_token)).status).not.toBe(200);

    await page.getByRole('button', { name: 'Unban' }).click();
    await confirm(page);
    await page.getByRole('button', { name: 'Ban', exact: true }).waitFor();
    expect(await page.getByTestId('profile-banned-until').textContent()).toBe('not banned');
    const back = await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'correct horse battery' } });
    expect(back.status).toBe(200);
    const types = (await call(server.authUrl, 'GET', `/admin/audit?user_id=${user.user.id}`, { token: server.secretKey })).body.entries.map(
      (e: { type: string; actor: string }) => `${e.type}/${e.actor}`,
    );
    expect(types).toEqual(expect.arrayContaining(['user_banned/admin', 'user_updated/admin']));
  });

  it('shows a reuse detection provoked by the test on the Overview chart and in the Audit list, linked to its session and user', async () => {
    await signIn(page, server);
    await open(page, server, '#/overview', 'Overview');
    const chart = page.locator('figure[data-series=reuse_detected]');
    const before = Number(await chart.getAttribute('data-total'));
    const victimId = await provokeReuse();
    await open(page, server, '#/overview?range=day', 'Overview');
    await page.goto(`${server.url}/console#/overview`);
    await expect.poll(async () => Number(await chart.getAttribute('data-total'))).toBe(before + 1);
    expect(Number(await page.locator('figure[data-series=refreshes_rotated]').getAttribute('data-total'))).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('users-count').textContent()).toMatch(/\d+ users/);
    await page.screenshot({ path: join(artifacts, `overview-${label}.png`), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);

    await open(page, server, '#/audit', 'Audit');
    await page.getByLabel('Event type').selectOption('token_reuse_detected');
    await page.getByLabel('User').fill(victimId);
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.locator('[data-testid=audit] tbody tr').filter({ has: page.locator('[data-type=token_reuse_detected]') });
    await expect.poll(() => row.count()).toBe(1);
    await page.screenshot({ path: join(artifacts, `audit-${label}.png`), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);
    // The session link filters the trail to that session: its sign-up and the reuse.
    await row.locator('a[data-link=session]').click();
    await expect
      .poll(() => page.locator('[data-testid=audit] [data-type]').allTextContents())
      .toEqual(['token_reuse_detected', 'user_signedup']);
    await page.locator('[data-testid=audit] tbody tr').first().locator('a[data-link=user]').click();
    await page.getByRole('heading', { level: 2, name: 'Security timeline' }).waitFor();
    expect(page.url()).toContain(`#/users/${victimId}`);
  });

  it('shows the outbox and the settings (secrets masked, sources named); every page fits ~640 px and passes axe', async () => {
    await signIn(page, server);
    await open(page, server, '#/outbox', 'Mail outbox');
    await expect.poll(() => page.getByTestId('outbox').locator('tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('outbox').textContent()).toContain('invite');
    await open(page, server, '#/settings', 'Settings');
    const settings = (await page.getByTestId('settings').textContent()) ?? '';
    expect(settings).toContain('LATCHKEY_KEY_PUBLISH_DELAY');
    expect(settings).toContain('program');
    await expectNoSecretIn(page, [server.secretKey]);

    const pages: [string, string, string | RegExp][] = [
      ['overview', '#/overview', 'Overview'],
      ['users', '#/users', 'Users'],
      ['user', `#/users/${ada.second.user.id}`, ada.email],
      ['audit', '#/audit', 'Audit'],
      ['keys', '#/keys', 'Signing keys'],
      ['outbox', '#/outbox', 'Mail outbox'],
      ['settings', '#/settings', 'Settings'],
    ];
    for (const [name, hash, heading] of pages) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await open(page, server, hash, heading);
      await page.screenshot({ path: join(artifacts, `${name}-${label}.png`), fullPage: true });
      expect(await accessibilityProblems(page), name).toEqual([]);
      await page.setViewportSize({ width: 640, height: 800 });
      expect(await scrollsSideways(page), `${name} at 640 px`).toBe(false);
      await page.screenshot({ path: join(artifacts, `${name}-640-${label}.png`) });
    }
    // Dark mode follows the system setting, and passes axe too (its contrast).
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const [name, hash, heading] of pages) {
      await open(page, server, hash, heading);
      expect(await accessibilityProblems(page), `${name} (dark)`).toEqual([]);
    }
    await open(page, server, '#/overview', 'Overview');
    await page.screenshot({ path: join(artifacts, `overview-dark-${label}.png`), fullPage: true });
  });

  // Last: it moves the server's clock 15 minutes on.
  it('rotates a key: refused before the publish delay (and says why), done once the clock has passed it', async () => {
    await signIn(page, server);
    await open(page, server, '#/keys', 'Signing keys');
    expect(await page.getByTestId('rotate-why').textContent()).toMatch(/^Refused for another .* verifiers may cache the JWKS/);
    await page.getByTestId('rotate').click();
    await confirm(page);
    await expect.poll(() => statusText(page)).toMatch(/^Refused: Standby key .* has been published for/);
    const before = (await call(server.authUrl, 'GET', '/admin/keys', { token: server.secretKey })).body.keys;
    expect(before.map((k: { state: string }) => k.state).sort()).toEqual(['current', 'standby']);

    server.clock.advance(900_000);
    await open(page, server, '#/keys', 'Signing keys');
    expect(await page.getByTestId('rotate-why').textContent()).toMatch(/^Safe:/);
    await page.getByTestId('rotate').click();
    await confirm(page);
    await expect.poll(() => statusText(page)).toMatch(/^Rotated/);
    await page.locator('[data-testid=keys] .state-previous').waitFor();
    const after = (await call(server.authUrl, 'GET', '/admin/keys', { token: server.secretKey })).body.keys;
    expect(after.map((k: { state: string }) => k.state).sort()).toEqual(['current', 'previous', 'standby']);
    // Retire says why it would be refused: tokens the previous key signed may still be alive.
    expect(await page.locator('[data-testid=keys] .why.refused').textContent()).toMatch(/Refused for another .* access tokens it signed/);
    await page.screenshot({ path: join(artifacts, `keys-${label}.png`), fullPage: true });
  });
});
