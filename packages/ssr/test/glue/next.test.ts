/**
 * Next.js-style middleware, without Next: a `(request: Request) => Response` middleware that reads
 * the request's cookies, refreshes, and sets the response's cookies; then the page renders with
 * the request headers the middleware passed on (as `NextResponse.next({ request: { headers } })`
 * does through `x-middleware-request-*`), where cookies are read-only (as in Server Components).
 * Proves the recipe in the README: one refresh per request, the page sees the refreshed session,
 * the browser gets the new cookies, a signed-out visitor is redirected with the cookies cleared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerClient, webCookies, type CookieMethods } from '../../src/index.js';
import { logout, signUp, startAuthServer, type TestServer } from '../support/auth-server.js';
import { Browser } from '../support/browser.js';
import { network } from '../support/network.js';
import { PASSWORD } from '../support/services.js';

let server: TestServer;
const net = network();

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

const options = () => ({ url: server.authUrl, fetch: net.fetch, clock: { now: () => server.clock() } });

/** The README's middleware recipe, written against Web types only. */
async function middleware(request: Request): Promise<Response> {
  const cookies = webCookies(request);
  const auth = createServerClient({ ...options(), cookies });
  const { data } = await auth.getUser();
  if (!data.user && new URL(request.url).pathname.startsWith('/dashboard')) {
    return cookies.applyTo(Response.redirect(new URL('/login', request.url), 307));
  }
  // NextResponse.next({ request: { headers: cookies.requestHeaders() } }), spelled out:
  const next = new Response(null, { headers: { 'x-middleware-next': '1' } });
  const forwarded = cookies.requestHeaders();
  next.headers.set('x-middleware-override-headers', [...forwarded.keys()].join(','));
  for (const [name, value] of forwarded) next.headers.set(`x-middleware-request-${name}`, value);
  return cookies.applyTo(next);
}

/** A Server Component: reads cookies, cannot set them (Next throws there). */
async function page(request: Request): Promise<Response> {
  const readOnly: CookieMethods = {
    getAll: () => webCookies(request).getAll(),
    setAll: () => {
      throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
    },
  };
  const auth = createServerClient({ ...options(), cookies: readOnly });
  const { data } = await auth.getUser();
  return Response.json({ email: data.user?.email ?? null });
}

/** What Next does with the two: run middleware, then the page with the overridden headers, then merge. */
async function nextRuntime(request: Request): Promise<Response> {
  const result = await middleware(request);
  if (!result.headers.get('x-middleware-next')) return result;
  const headers = new Headers();
  for (const name of (result.headers.get('x-middleware-override-headers') ?? '').split(',').filter(Boolean)) {
    headers.set(name, result.headers.get(`x-middleware-request-${name}`) ?? '');
  }
  const rendered = await page(new Request(request.url, { headers }));
  const response = new Response(rendered.body, rendered);
  for (const line of result.headers.getSetCookie()) response.headers.append('set-cookie', line);
  return response;
}

async function visit(browser: Browser, path: string): Promise<Response> {
  const response = await nextRuntime(new Request(`https://app.example${path}`, { headers: { cookie: browser.header() } }));
  browser.receive(response);
  return response;
}

async function signedIn(): Promise<{ browser: Browser; email: string }> {
  const { email } = await signUp(server.authUrl);
  const browser = new Browser();
  const cookies = webCookies(new Request('https://app.example/login', { method: 'POST' }));
  await createServerClient({ ...options(), cookies }).signInWithPassword({ email, password: PASSWORD });
  browser.receive(cookies.setCookieHeaders());
  return { browser, email };
}

describe('Next.js-style middleware', () => {
  it('refreshes once in the middleware; the page sees the new session without refreshing; the browser gets the cookies', async () => {
    const { browser, email } = await signedIn();
    const before = browser.header();
    server.clock.advance(61_000);
    const refreshes = net.state.refreshes;
    const response = await visit(browser, '/dashboard');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ email });
    expect(net.state.refreshes - refreshes).toBe(1);
    expect(response.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(browser.header()).not.toBe(before);
    // The next visit uses the refreshed cookies: no refresh, no cookie written.
    const again = await visit(browser, '/dashboard');
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(net.state.refreshes - refreshes).toBe(1);
  });

  it('a session ended elsewhere: redirected to /login with the cookies cleared, once', async () => {
    const { browser } = await signedIn();
    const cookies = webCookies(new Request('https://app.example/', { headers: { cookie: browser.header() } }));
    const { data } = await createServerClient({ ...options(), cookies }).getSession();
    await logout(server.authUrl, data.session!.access_token);
    const response = await visit(browser, '/dashboard');
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe('https://app.example/login');
    expect(browser.names()).toEqual([]);
    const requests = net.state.requests.length;
    expect((await visit(browser, '/dashboard')).status).toBe(307);
    expect(net.state.requests.length).toBe(requests); // no cookie left to replay: nothing asked
  });
});
