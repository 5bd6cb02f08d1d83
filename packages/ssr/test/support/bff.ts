/** Building a token handler over an in-process auth server, and driving it as a browser would. */
import {
  createTokenHandler,
  memoryLock,
  memoryStore,
  type SessionStore,
  type TokenHandler,
  type TokenHandlerOptions,
} from '../../src/bff/index.js';
import { signUp, type TestServer } from './auth-server.js';
import { Browser } from './browser.js';
import { network } from './network.js';
import { PASSWORD } from './services.js';

export const APP = 'https://app.example';

/** A store that remembers every key it was asked about (to check what reaches it). */
export function spyStore(inner: SessionStore = memoryStore()): SessionStore & { keys: string[]; values: string[] } {
  const keys: string[] = [];
  const values: string[] = [];
  return {
    keys,
    values,
    get: (key) => (keys.push(key), inner.get(key)),
    create: (key, record) => (keys.push(key), values.push(JSON.stringify(record)), inner.create(key, record)),
    update: (key, record, fence) => (keys.push(key), values.push(JSON.stringify(record)), inner.update(key, record, fence)),
    delete: (key, fence) => (keys.push(key), inner.delete(key, fence)),
  };
}

export function handler(server: TestServer, options: Partial<TokenHandlerOptions> = {}) {
  const net = network();
  const store = spyStore(options.store);
  const bff = createTokenHandler({
    authUrl: server.authUrl,
    lock: memoryLock(),
    fetch: net.fetch,
    clock: { now: () => server.clock() },
    ...options,
    store, // the spy, around options.store when one is given
  });
  return { bff, net, store };
}

/** A request from the app's own page (same origin), carrying the browser's cookies. */
export function appRequest(
  browser: Browser,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Request {
  const headers: Record<string, string> = { cookie: browser.header(), origin: APP, 'sec-fetch-site': 'same-origin', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return new Request(`${APP}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

export async function signInThrough(
  bff: TokenHandler,
  email: string,
  browser = new Browser(),
): Promise<{ browser: Browser; response: Response }> {
  const response = await bff.signIn(appRequest(browser, '/auth/sign-in', { method: 'POST', body: { email, password: PASSWORD } }));
  browser.receive(response);
  return { browser, response };
}

/** A user signed up at the auth server and signed in through a fresh token handler, as a browser. */
export async function signedIn(server: TestServer, options: Partial<TokenHandlerOptions> = {}) {
  const { email } = await signUp(server.authUrl);
  const h = handler(server, options);
  const { browser, response } = await signInThrough(h.bff, email);
  if (response.status !== 200) throw new Error(`sign-in through the BFF answered ${response.status}`);
  return { ...h, browser, email, response };
}
