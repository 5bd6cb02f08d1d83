/**
 * Cross-tab behaviour in real Chromium: tabs of one browser context share localStorage, Web Locks
 * and BroadcastChannel, exactly as users' tabs do. The page loads the built client (dist, ESM)
 * from a small static server that also proxies /auth/v1 to a real Latchkey server (same origin),
 * counting refresh requests and able to hold one back.
 *
 * Skipped, with a message, when /usr/bin/chromium is not installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../server/test/support/chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '../..');
const dist = join(packageDir, 'dist');
const hasChromium = chromiumAvailable('cross-tab');

const PAGE = `<!doctype html><meta charset="utf-8"><title>latchkey tab</title>
<script type="module">
  import * as lk from '/client/index.js';
  window.setup = (options = {}) => {
    window.offset = 0;
    window.events = [];
    window.auth = lk.createClient({
      url: location.origin + '/auth/v1',
      autoRefresh: false,
      clock: { now: () => Date.now() + window.offset },
      lock: options.lock === 'process' ? lk.processLock() : lk.webLocks({ stealAfter: options.stealAfter ?? 6000 }),
    });
    window.auth.onAuthStateChange((event) => window.events.push(event));
    return typeof navigator.locks;
  };
  window.ready = true;
</script>`;

interface Held {
  release(): void;
  drop(): void;
}

/** The same-origin server: the page, the built client, and a counting proxy to the auth server. */
function appServer(auth: TestServer) {
  const state = { refreshes: 0, refusals: [] as string[], holdNextRefresh: false, held: [] as Held[] };
  async function proxy(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'authorization', 'x-supabase-api-version', 'apikey']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const response = await fetch(`${auth.url}${req.url}`, {
      method: req.method,
      headers,
      body: body.length ? new Uint8Array(body) : undefined,
    });
    const out = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' }, body: out };
  }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (url.pathname.startsWith('/client/')) {
      const file = normalize(join(dist, url.pathname.slice('/client/'.length)));
      if (!file.startsWith(dist) || !existsSync(file)) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
    }
    if (!url.pathname.startsWith('/auth/v1/')) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isRefresh = url.searchParams.get('grant_type') === 'refresh_token';
      const forward = async () => {
        const answer = await proxy(req, body);
        if (isRefresh && answer.status !== 200) state.refusals.push(JSON.parse(answer.body.toString()).code);
        if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
      };
      if (isRefresh) state.refreshes++;
      if (isRefresh && state.holdNextRefresh) {
        state.holdNextRefresh = false;
        state.held.push({ release: () => void forward(), drop: () => res.destroy() });
        return;
      }
      void forward();
    });
  });
  return { server, state };
}

describe.skipIf(!hasChromium)('cross-tab, in Chromium', () => {
  let auth: TestServer;
  let app: ReturnType<typeof appServer>;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    // The page runs the built client: build it (incremental, quick when up to date).
    execFileSync(process.execPath, [join(packageDir, '../../node_modules/typescript/bin/tsc'), '-b', packageDir], { stdio: 'inherit' });
    [auth, browser] = await Promise.all([startTestServer({ config: { jwtExp: 60, refreshReuseInterval: 10 } }), launchChromium()]);
    app = appServer(auth);
    await new Promise<void>((done) => app.server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await context?.close();
    for (const held of app?.state.held.splice(0) ?? []) held.drop();
    if (app) Object.assign(app.state, { refreshes: 0, refusals: [], holdNextRefresh: false });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (app ? app.server.close(() => done()) : done()));
    await auth?.close();
  });

  /** Opens `n` tabs of one browser profile, each with a client. */
  async function tabs(n: number, options: { lock?: 'process'; stealAfter?: number } = {}): Promise<Page[]> {
    context = await browser.newContext();
    const pages: Page[] = [];
    for (let i = 0; i < n; i++) {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => (window as any).ready === true);
      const locks = await page.evaluate((o) => (window as any).setup(o), options);
      expect(locks).toBe('object'); // a secure context: Web Locks exist (the fallback test opts out)
      pages.push(page);
    }
    return pages;
  }

  const email = () => `tab-${Math.random().toString(36).slice(2)}@example.com`;
  const run = (page: Page, script: string) => page.evaluate(script) as Promise<any>;
  const signUp = (page: Page) =>
    run(page, `auth.signUp({ email: '${email()}', password: 'correct horse battery staple' }).then(r => r.error)`);
  /** Moves the tabs' clocks (and the server's) past the access token's expiry. */
  async function expire(pages: Page[]) {
    auth.clock.advance(61_000);
    for (const page of pages) await run(page, 'window.offset += 61000');
  }
  const getSession = (page: Page) =>
    run(page, `auth.getSession().then(r => ({ token: r.data.session && r.data.session.refresh_token, error: r.error && r.error.code }))`);
  const eventsOf = (page: Page) => run(page, 'window.events');

  it('two tabs due at once: one refresh request (Web Locks); the other tab adopts it and hears TOKEN_REFRESHED', async () => {
    const [a, b] = (await tabs(2)) as [Page, Page];
    expect(await signUp(a)).toBeNull();
    await b.waitForFunction(() => (window as any).events.includes('SIGNED_IN'));
    await expire([a, b]);
    const [ra, rb] = await Promise.all([getSession(a), getSession(b)]);
    expect(app.state.refreshes).toBe(1);
    expect(ra).toEqual({ token: rb.token, error: null });
    expect(await eventsOf(b)).toEqual(['INITIAL_SESSION', 'SIGNED_IN', 'TOKEN_REFRESHED']);
    expect(app.state.refusals).toEqual([]);
  });

  it('a refresh in one tab reaches an idle tab through storage/BroadcastChannel, without a request from it', async () => {
    const [a, b] = (await tabs(2)) as [Page, Page];
    await signUp(a);
    await expire([a, b]);
    await run(a, 'auth.refreshSession()');
    await b.waitForFunction(() => (window as any).events.includes('TOKEN_REFRESHED'));
    expect(await getSession(b)).toEqual(await getSession(a));
    expect(app.state.refreshes).toBe(1);
  });

  it('a tab frozen while holding the lock: the other tab takes over after stealAfter — no deadlock, no lock time-out error, no sign-out', async () => {
    const [a, b] = (await tabs(2, { stealAfter: 1500 })) as [Page, Page];
    await signUp(a);
    await expire([a, b]);
    app.state.holdNextRefresh = true;
    const pendingA = getSession(a); // takes the lock; its refresh request is held at the proxy
    pendingA.catch(() => {}); // awaited below; this only keeps a failing run's report clean
    await expect.poll(() => app.state.held.length).toBe(1);
    const cdp = await context.newCDPSession(a);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    const started = Date.now();
    const rb = await getSession(b);
    const waited = Date.now() - started;
    expect(rb.error).toBeNull();
    expect(waited).toBeGreaterThanOrEqual(1400); // it did wait for the frozen holder first
    // The frozen tab's request reaches the server late but inside the reuse interval: same successor.
    app.state.held[0]?.release();
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    expect(await pendingA).toEqual(rb);
    expect(app.state.refusals).toEqual([]);
    expect([...(await eventsOf(a)), ...(await eventsOf(b))]).not.toContain('SIGNED_OUT');
    expect(await run(b, 'auth.getUser().then(r => r.error)')).toBeNull();
  });

  it('a tab closed while holding the lock releases it at once (no waiting for stealAfter)', async () => {
    const [a, b] = (await tabs(2, { stealAfter: 30_000 })) as [Page, Page];
    await signUp(a);
    await expire([a, b]);
    app.state.holdNextRefresh = true;
    void getSession(a).catch(() => {});
    await expect.poll(() => app.state.held.length).toBe(1);
    await a.close();
    app.state.held[0]?.drop();
    const started = Date.now();
    const rb = await getSession(b);
    expect(rb.error).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(app.state.refusals).toEqual([]);
  });

  it('fallback without Web Locks: tabs may both refresh, the server hands both the same successor, nobody is signed out', async () => {
    const [a, b] = (await tabs(2, { lock: 'process' })) as [Page, Page];
    await signUp(a);
    await expire([a, b]);
    const [ra, rb] = await Promise.all([getSession(a), getSession(b)]);
    expect(app.state.refreshes).toBeGreaterThanOrEqual(1);
    expect(app.state.refreshes).toBeLessThanOrEqual(2);
    expect(ra).toEqual(rb);
    expect(app.state.refusals).toEqual([]);
    expect(await run(a, 'auth.getUser().then(r => r.error)')).toBeNull();
    expect(await run(b, 'auth.getUser().then(r => r.error)')).toBeNull();
  });

  it('sign-out in one tab signs the other out (SIGNED_OUT there, storage cleared)', async () => {
    const [a, b] = (await tabs(2)) as [Page, Page];
    await signUp(a);
    await b.waitForFunction(() => (window as any).events.includes('SIGNED_IN'));
    await run(a, `auth.signOut({ scope: 'local' })`);
    await b.waitForFunction(() => (window as any).events.includes('SIGNED_OUT'));
    expect(await getSession(b)).toEqual({ token: null, error: null });
    expect(await run(b, `localStorage.getItem('latchkey.auth.token')`)).toBeNull();
  });
});
