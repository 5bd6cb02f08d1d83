/**
 * createServerClient against a real Latchkey server (in-process, real HTTP, Postgres), with the
 * server's clock shared by the code under test so tokens expire when the test says. Every request
 * is a fresh server client over a fresh `Request`, as in a real server; the browser is a cookie
 * jar. Each test signs up its own user: nothing is carried between tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerClient, isSsrError, webCookies, type ServerClient, type WebCookies } from '../src/index.js';
import { logout, startAuthServer, type TestServer } from './support/auth-server.js';
import { Browser } from './support/browser.js';
import { network } from './support/network.js';
import { email, PASSWORD } from './support/services.js';

let server: TestServer;

beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

type Net = ReturnType<typeof network>;

/** One request of `browser` to the app: a server client over its cookies. */
function request(browser: Browser, net: Net, url = 'https://app.example/page'): { auth: ServerClient; cookies: WebCookies } {
  const cookies = webCookies(new Request(url, { headers: { cookie: browser.header() } }));
  const auth = createServerClient({ url: server.authUrl, cookies, fetch: net.fetch, clock: { now: () => server.clock() } });
  return { auth, cookies };
}

async function signedIn(net: Net = network(), data?: Record<string, unknown>) {
  const browser = new Browser();
  const { auth, cookies } = request(browser, net);
  const { error } = await auth.signUp({ email: email(), password: PASSWORD, data });
  expect(error).toBeNull();
  browser.receive(cookies.setCookieHeaders());
  return { browser, net };
}

/** The refresh token the browser's cookies hold (reassembled the way the client reads them). */
async function storedSession(browser: Browser, net: Net) {
  const { auth } = request(browser, net);
  const { data } = await auth.getSession();
  return data.session;
}

describe('cookies written', () => {
  it('sign-in writes the session with Path=/, SameSite=Lax, HttpOnly and, on https, Secure', async () => {
    const net = network();
    const browser = new Browser();
    const { auth, cookies } = request(browser, net);
    await auth.signUp({ email: email(), password: PASSWORD });
    const lines = cookies.setCookieHeaders();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/; Path=\/;/);
      expect(line).toMatch(/; SameSite=Lax$/);
      expect(line).toContain('; HttpOnly');
      expect(line).toContain('; Secure');
      expect(line).toContain(`; Max-Age=${400 * 24 * 3600}`);
    }
    browser.receive(lines);
    expect(browser.names()[0]).toBe('latchkey.auth.token');
  });

  it('over plain http (a development server) the cookies are not Secure', async () => {
    const browser = new Browser();
    const { auth, cookies } = request(browser, network(), 'http://localhost:3000/');
    await auth.signUp({ email: email(), password: PASSWORD });
    expect(cookies.setCookieHeaders().every((line) => !line.includes('Secure'))).toBe(true);
  });

  it('a call that changes nothing writes no cookie', async () => {
    const { browser, net } = await signedIn();
    const { auth, cookies } = request(browser, net);
    const { data } = await auth.getUser();
    expect(data.user).not.toBeNull();
    expect(cookies.setCookieHeaders()).toEqual([]);
  });

  it('setAll runs outside the lock: it may call back into the client without deadlocking', async () => {
    const { browser, net } = await signedIn();
    server.clock.advance(61_000);
    const seen: string[] = [];
    let auth!: ServerClient;
    const cookies = webCookies(new Request('https://app.example/', { headers: { cookie: browser.header() } }));
    auth = createServerClient({
      url: server.authUrl,
      fetch: net.fetch,
      clock: { now: () => server.clock() },
      cookies: {
        getAll: cookies.getAll,
        async setAll(list) {
          const { data } = await auth.getSession(); // re-entrant: would deadlock inside the lock
          seen.push(data.session?.refresh_token ?? 'none');
          cookies.setAll(list);
        },
      },
    });
    const { data, error } = await auth.getSession();
    expect(error).toBeNull();
    expect(seen).toEqual([data.session?.refresh_token]);
  });
});

describe('refresh', () => {
  it('100 concurrent requests carrying one expired cookie make one refresh request, and every response sets the new session', async () => {
    const { browser, net } = await signedIn();
    const before = (await storedSession(browser, net))!.refresh_token;
    server.clock.advance(61_000);
    const requests = Array.from({ length: 100 }, () => request(browser, net));
    const results = await Promise.all(requests.map(({ auth }) => auth.getUser()));
    expect(results.map((r) => r.error)).toEqual(Array(100).fill(null));
    expect(net.state.refreshes).toBe(1);
    expect(net.state.refusals).toEqual([]);
    const tokens = new Set<string>();
    for (const { cookies } of requests) {
      const next = browser.clone().receive(cookies.setCookieHeaders());
      tokens.add((await storedSession(next, net))!.refresh_token);
    }
    expect(tokens.size).toBe(1);
    expect(tokens.has(before)).toBe(false);
  });

  it('a request carrying the old cookie just after the refresh reuses its answer; after the replay window the auth server answers it', async () => {
    const { browser, net } = await signedIn();
    server.clock.advance(61_000);
    const first = request(browser, net);
    await first.auth.getUser();
    expect(net.state.refreshes).toBe(1);
    const successor = (await storedSession(browser.clone().receive(first.cookies.setCookieHeaders()), net))!.refresh_token;

    server.clock.advance(2_000); // a straggler of the same page load, still with the old cookie
    const straggler = request(browser, net);
    expect((await straggler.auth.getUser()).error).toBeNull();
    expect(net.state.refreshes).toBe(1);

    server.clock.advance(4_000); // past the 5 s replay window, inside the server's 10 s reuse interval
    const late = request(browser, net);
    expect((await late.auth.getUser()).error).toBeNull();
    expect(net.state.refreshes).toBe(2);
    for (const r of [straggler, late]) {
      expect((await storedSession(browser.clone().receive(r.cookies.setCookieHeaders()), net))!.refresh_token).toBe(successor);
    }
    expect(net.state.refusals).toEqual([]);
  });
});

describe('when the session ends', () => {
  it('a definitive answer clears every session cookie on that response, and the next request sends none (no stale-cookie loop)', async () => {
    const { browser, net } = await signedIn(network(), { bio: 'x'.repeat(5000) }); // chunked
    expect(browser.names().length).toBeGreaterThan(2);
    const session = (await storedSession(browser, net))!;
    expect(await logout(server.authUrl, session.access_token)).toBe(204); // signed out on another device

    const { auth, cookies } = request(browser, net);
    const { data, error } = await auth.getUser();
    expect(data.user).toBeNull();
    expect(error?.code).toBe('session_not_found');
    browser.receive(cookies.setCookieHeaders());
    expect(browser.names()).toEqual([]);

    const requestsBefore = net.state.requests.length;
    const next = request(browser, net);
    expect((await next.auth.getUser()).error?.code).toBe('session_missing');
    expect(net.state.requests.length).toBe(requestsBefore); // nothing sent: the loop cannot start
    expect(next.cookies.setCookieHeaders()).toEqual([]);
  });

  it('a transient failure keeps the cookies, and the next request refreshes', async () => {
    const { browser, net } = await signedIn();
    const cookiesBefore = browser.header();
    server.clock.advance(61_000);
    net.state.down = '503';
    const { auth, cookies } = request(browser, net);
    const { error } = await auth.getUser();
    expect(error?.code).toBe('service_unavailable');
    expect(cookies.setCookieHeaders()).toEqual([]);
    expect(browser.header()).toBe(cookiesBefore);

    net.state.down = undefined;
    const again = request(browser, net);
    expect((await again.auth.getUser()).error).toBeNull();
    expect(again.cookies.setCookieHeaders().length).toBeGreaterThan(0);
  });

  it('signOut deletes the cookies on its response and ends the session at the auth server', async () => {
    const { browser, net } = await signedIn();
    const session = (await storedSession(browser, net))!;
    const { auth, cookies } = request(browser, net);
    expect((await auth.signOut({ scope: 'local' })).error).toBeNull();
    browser.receive(cookies.setCookieHeaders());
    expect(browser.names()).toEqual([]);
    const refresh = await fetch(`${server.authUrl}/token?grant_type=refresh_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    expect(refresh.status).toBe(400);
  });

  it('an unreadable session cookie is deleted rather than sent back on every request', async () => {
    const browser = new Browser().receive(['latchkey.auth.token=not-a-session; Path=/', 'latchkey.auth.token.3=orphan; Path=/']);
    const { auth, cookies } = request(browser, network());
    expect((await auth.getSession()).data.session).toBeNull();
    browser.receive(cookies.setCookieHeaders());
    expect(browser.names()).toEqual([]);
  });
});

describe('cookie size', () => {
  it('a session that shrinks deletes its stale chunk cookies', async () => {
    const { browser, net } = await signedIn(
      network(),
      { bio: 'é'.repeat(2500) } /* the token stays under the auth server's 16 KB header limit */,
    );
    const chunksBefore = browser.names().length;
    expect(chunksBefore).toBeGreaterThan(4);
    const first = request(browser, net);
    expect((await first.auth.updateUser({ data: { bio: null } })).error).toBeNull();
    browser.receive(first.cookies.setCookieHeaders());
    const middle = browser.names().length; // the user shrank; the access token still carries the old metadata
    expect(middle).toBeLessThan(chunksBefore);
    const second = request(browser, net);
    expect((await second.auth.refreshSession()).error).toBeNull();
    const lines = second.cookies.setCookieHeaders();
    browser.receive(lines);
    const after = browser.names();
    expect(after.length).toBeLessThan(middle);
    expect(lines.filter((line) => line.includes('Max-Age=0')).length).toBe(middle - after.length);
    expect(after).toEqual(
      ['latchkey.auth.token', ...Array.from({ length: after.length - 1 }, (_, i) => `latchkey.auth.token.${i}`)].sort(),
    );
    const session = await storedSession(browser, net);
    expect(session?.user.user_metadata.bio).toBeUndefined();
  });

  for (const kb of [0, 3, 8, 20]) {
    it(`a session with ${kb} kB of user_metadata round-trips through cookies under the per-cookie limit, and refreshes`, async () => {
      const metadata = { note: 'ß→🙂'.repeat(Math.floor((kb * 1024) / 10)), n: kb };
      const { browser, net } = await signedIn(network(), metadata);
      for (const cookie of browser.cookies.values()) {
        expect(`${cookie.name}=${encodeURIComponent(cookie.value)}`.length).toBeLessThan(4096 - 80);
      }
      server.clock.advance(61_000);
      const { auth, cookies } = request(browser, net);
      const { data, error } = await auth.getSession(); // refreshes: the token has expired
      expect(error).toBeNull();
      expect(net.state.refreshes).toBe(1);
      browser.receive(cookies.setCookieHeaders());
      const stored = await storedSession(browser, net);
      expect(stored?.refresh_token).toBe(data.session?.refresh_token);
      expect(stored?.user.user_metadata).toEqual(metadata);
    });
  }
});

describe('options', () => {
  it('refuses cookies a browser would drop: "__Host-" with a Domain, a path, or without Secure', () => {
    const cookies = webCookies(new Request('https://app.example/'));
    const make =
      (cookieOptions: object, c = cookies) =>
      () =>
        createServerClient({ url: server.authUrl, cookies: c, cookieOptions });
    expect(make({ name: '__Host-lk' })).not.toThrow();
    for (const bad of [
      { name: '__Host-lk', domain: 'app.example' },
      { name: '__Host-lk', path: '/app' },
      { name: '__Host-lk', secure: false },
    ]) {
      expect(make(bad)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
    const plain = webCookies(new Request('http://localhost/'));
    expect(make({ name: '__Host-lk' }, plain)).toThrow(/Secure/);
    expect(make({ sameSite: 'None', secure: false })).toThrow(/SameSite=None needs Secure/);
    expect(make({ chunkSize: 4050 })).toThrow(/chunkSize/);
    expect(make({ chunkSize: 3900 })).not.toThrow();
    expect(make({ maxAge: 401 * 24 * 3600 })).toThrow(/400 days/);
    expect(make({ name: 'bad name' })).toThrow(/token/);
  });

  it('a "__Host-" name works end to end', async () => {
    const browser = new Browser();
    const cookies = webCookies(new Request('https://app.example/'));
    const auth = createServerClient({
      url: server.authUrl,
      cookies,
      cookieOptions: { name: '__Host-lk' },
      clock: { now: () => server.clock() },
    });
    await auth.signUp({ email: email(), password: PASSWORD });
    browser.receive(cookies.setCookieHeaders());
    expect(browser.names()).toEqual(['__Host-lk']);
    expect(browser.cookies.get('__Host-lk')?.attributes).toMatchObject({ path: '/', secure: true });
    expect(browser.cookies.get('__Host-lk')?.attributes.domain).toBeUndefined();
  });

  it('refuses unusable options with an SsrError', () => {
    expect(() => createServerClient({ url: 'not a url', cookies: webCookies(new Request('https://a/')) })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    try {
      createServerClient({ url: server.authUrl, cookies: {} as never });
    } catch (error) {
      expect(isSsrError(error, 'invalid_argument')).toBe(true);
    }
    expect.assertions(2);
  });
});
