/**
 * detectSessionInUrl, with a fake window (location, history): implicit fragments, PKCE codes,
 * errors, flow mismatches; the URL cleaned before any request; events after INITIAL_SESSION.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFacade } from '../../src/client.js';
import { detectSessionInUrl } from '../../src/flows/detect-session-in-url.js';
import { memoryStorage } from '../../src/storage/memory.js';
import type { FlowType } from '../../src/types.js';
import {
  fakeClock,
  fakeServer,
  flush,
  json,
  RFC_VERIFIER,
  serverError,
  session,
  testClient,
  testOptions,
  tokenBody,
  uniqueKey,
  USER,
  type Handler,
} from '../helpers.js';

const FRAGMENT = '#access_token=at&expires_at=1&expires_in=3600&refresh_token=rt&token_type=bearer&type=magiclink';

function fakeWindow(href: string) {
  const replaced: string[] = [];
  const win = {
    location: { href },
    history: {
      state: { app: 1 },
      replaceState(state: unknown, _unused: string, url: string) {
        expect(state).toEqual({ app: 1 }); // the app's history state is kept
        replaced.push(url);
        win.location.href = url;
      },
    },
  };
  vi.stubGlobal('window', win);
  return { win, replaced };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

async function setup(href: string, routes: Record<string, Handler>, flowType: FlowType = 'implicit', verifier?: string) {
  const page = fakeWindow(href);
  const server = fakeServer(routes);
  const storage = memoryStorage();
  const key = uniqueKey();
  if (verifier) await storage.setItem(`${key}-code-verifier`, verifier);
  const t = await testClient({ fetch: server.fetch, clock: fakeClock(), storage, key, flowType, detectSessionInUrl });
  await flush();
  return { ...page, server, ...t };
}

describe('detectSessionInUrl', () => {
  it('implicit fragment: URL cleaned first, user fetched with the token, session stored, INITIAL_SESSION then SIGNED_IN', async () => {
    let hrefAtRequest = '';
    const t = await setup(`https://app.example/welcome?tab=1${FRAGMENT}`, {
      'GET /user': (call) => {
        hrefAtRequest = (globalThis as any).window.location.href;
        expect(call.headers.get('authorization')).toBe('Bearer at');
        return json(200, USER);
      },
    });
    expect(hrefAtRequest).toBe('https://app.example/welcome?tab=1');
    expect(t.replaced).toEqual(['https://app.example/welcome?tab=1']);
    expect(await t.stored()).toMatchObject({ access_token: 'at', refresh_token: 'rt', expires_in: 3600, user: USER });
    expect(t.emitted.map(([event, s]) => [event, s?.access_token])).toEqual([
      ['INITIAL_SESSION', 'at'],
      ['SIGNED_IN', 'at'],
    ]);
    // Asked again: what it found, without reading the URL or the server again.
    expect(await detectSessionInUrl(t.auth)).toMatchObject({ data: { redirectType: 'magiclink', session: { access_token: 'at' } } });
    expect(t.server.calls).toHaveLength(1);
  });

  it('a recovery link emits PASSWORD_RECOVERY and answers redirectType "recovery"', async () => {
    const t = await setup(`https://app.example/new-password${FRAGMENT.replace('magiclink', 'recovery')}`, {
      'GET /user': () => json(200, USER),
    });
    expect(t.events()).toEqual(['INITIAL_SESSION', 'PASSWORD_RECOVERY']);
    expect((await detectSessionInUrl(t.auth)).data.redirectType).toBe('recovery');
  });

  it('every call waits for it: getSession() right after creating the client sees the URL’s session', async () => {
    fakeWindow(`https://app.example/${FRAGMENT}`);
    const server = fakeServer({ 'GET /user': () => json(200, USER) });
    const auth = createFacade({
      ...testOptions({ fetch: server.fetch, clock: fakeClock() }),
      flowType: 'implicit',
      detect: detectSessionInUrl,
    });
    expect((await auth.getSession()).data.session?.access_token).toBe('at');
  });

  it('pkce: ?code= with a stored verifier is exchanged, the code removed from the URL', async () => {
    const t = await setup(
      'https://app.example/cb?code=abc&next=%2Fhome',
      { 'POST /token?grant_type=pkce': () => json(200, tokenBody(1)) },
      'pkce',
      RFC_VERIFIER,
    );
    expect(t.server.calls[0]?.body).toEqual({ auth_code: 'abc', code_verifier: RFC_VERIFIER });
    expect(t.replaced).toEqual(['https://app.example/cb?next=%2Fhome']);
    expect((await t.stored())?.access_token).toBe('access-1');
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
  });

  it('a ?code= that is not ours (no verifier, or an implicit client) is left in the URL, untouched', async () => {
    for (const [flowType, verifier] of [
      ['pkce', undefined],
      ['implicit', RFC_VERIFIER],
    ] as const) {
      const t = await setup('https://app.example/oauth/github?code=gh', {}, flowType, verifier);
      expect(t.replaced).toEqual([]);
      expect(t.server.calls).toEqual([]);
      expect(await detectSessionInUrl(t.auth)).toEqual({ data: { session: null, redirectType: null }, error: null });
    }
  });

  it('an error in the URL is answered, the URL cleaned, and the signed-in user stays signed in', async () => {
    const page = fakeWindow(
      'https://app.example/cb?error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired#error=access_denied&error_code=otp_expired&sb=',
    );
    const clock = fakeClock();
    const storage = memoryStorage();
    const key = uniqueKey();
    await storage.setItem(key, JSON.stringify(session(1, clock.now())));
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock, storage, key, flowType: 'pkce', detectSessionInUrl });
    expect(await detectSessionInUrl(t.auth)).toMatchObject({
      data: { session: null, redirectType: null },
      error: { code: 'otp_expired', status: 403, message: 'Email link is invalid or has expired' },
    });
    expect(page.replaced).toEqual(['https://app.example/cb']);
    expect((await t.stored())?.access_token).toBe('access-1');
    expect(t.events()).toEqual(['INITIAL_SESSION']);
  });

  it('a pkce client refuses tokens in a fragment (anyone can send such a link), and removes them', async () => {
    const t = await setup(`https://app.example/${FRAGMENT}`, { 'GET /user': () => json(200, USER) }, 'pkce');
    expect((await detectSessionInUrl(t.auth)).error?.code).toBe('unexpected_response');
    expect(t.replaced).toEqual(['https://app.example/']);
    expect(t.server.calls).toEqual([]);
    expect(await t.stored()).toBeNull();
  });

  it('tokens the server does not accept (GET /user refused) sign nobody in', async () => {
    const t = await setup(`https://app.example/${FRAGMENT}`, { 'GET /user': () => serverError(403, 'bad_jwt') });
    expect((await detectSessionInUrl(t.auth)).error?.code).toBe('bad_jwt');
    expect(await t.stored()).toBeNull();
    expect(t.events()).toEqual(['INITIAL_SESSION']);
  });

  it('called by the app (no option): the same detection, once', async () => {
    const page = fakeWindow(`https://app.example/${FRAGMENT}`);
    const server = fakeServer({ 'GET /user': () => json(200, USER) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect(page.replaced).toEqual([]);
    const [a, b] = await Promise.all([detectSessionInUrl(t.auth), detectSessionInUrl(t.auth)]);
    expect(a).toBe(b);
    expect(a.data.session?.access_token).toBe('at');
    await flush();
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    expect(server.calls).toHaveLength(1);
  });

  it('outside a browser: nothing to detect', async () => {
    const t = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock(), detectSessionInUrl });
    expect(await detectSessionInUrl(t.auth)).toEqual({ data: { session: null, redirectType: null }, error: null });
  });
});
