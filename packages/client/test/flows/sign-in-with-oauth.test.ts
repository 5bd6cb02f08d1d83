/** signInWithOAuth: the /authorize URL as supabase-js builds it; PKCE challenge and verifier; the browser navigation. */
import { afterEach, describe, expect, it } from 'vitest';
import { signInWithOAuth } from '../../src/flows/sign-in-with-oauth.js';
import { BASE, fakeClock, fakeServer, s256, testClient } from '../helpers.js';

const VERIFIER = /^[A-Za-z0-9_-]{43}$/;

function fakeWindow(): string[] {
  const assigned: string[] = [];
  (globalThis as { window?: unknown }).window = { location: { assign: (url: string) => void assigned.push(url) } };
  return assigned;
}

afterEach(() => {
  delete (globalThis as { window?: unknown }).window;
});

describe('signInWithOAuth', () => {
  it('implicit: provider, redirect_to, scopes, then queryParams; no request, nothing stored, no challenge', async () => {
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    const { data, error } = await signInWithOAuth(t.auth, {
      provider: 'github',
      redirectTo: 'https://app.example/cb?x=1',
      scopes: 'repo read:user',
      queryParams: { prompt: 'consent', access_type: 'offline' },
      skipBrowserRedirect: true,
    });
    expect(error).toBeNull();
    expect(data.provider).toBe('github');
    expect(data.url).toBe(
      `${BASE}/authorize?provider=github&redirect_to=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&scopes=repo+read%3Auser&prompt=consent&access_type=offline`,
    );
    expect(server.calls).toEqual([]);
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
    expect(t.events()).toEqual(['INITIAL_SESSION']);
  });

  it('pkce: the S256 challenge of the verifier it keeps under <storageKey>-code-verifier; no skip_http_redirect', async () => {
    const t = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock(), flowType: 'pkce' });
    const { data } = await signInWithOAuth(t.auth, { provider: 'idp', skipBrowserRedirect: true });
    const verifier = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    expect(verifier).toMatch(VERIFIER);
    const url = new URL(data.url!);
    expect(url.origin + url.pathname).toBe(`${BASE}/authorize`);
    expect([...url.searchParams]).toEqual([
      ['provider', 'idp'],
      ['code_challenge', s256(verifier)],
      ['code_challenge_method', 's256'],
    ]);
  });

  it('pkce: a second start replaces the verifier (only the newest flow can be exchanged)', async () => {
    const t = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock(), flowType: 'pkce' });
    await signInWithOAuth(t.auth, { provider: 'idp', skipBrowserRedirect: true });
    const first = await t.storage.getItem(`${t.key}-code-verifier`);
    const { data } = await signInWithOAuth(t.auth, { provider: 'idp', skipBrowserRedirect: true });
    const second = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    expect(second).not.toBe(first);
    expect(new URL(data.url!).searchParams.get('code_challenge')).toBe(s256(second));
  });

  it('navigates the window to the URL, unless skipBrowserRedirect', async () => {
    const assigned = fakeWindow();
    const t = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock() });
    const { data } = await signInWithOAuth(t.auth, { provider: 'github' });
    expect(assigned).toEqual([data.url]);
    await signInWithOAuth(t.auth, { provider: 'github', skipBrowserRedirect: true });
    expect(assigned).toHaveLength(1);
  });

  it('without a window (Node, React Native) it only returns the URL', async () => {
    const t = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock() });
    const { data, error } = await signInWithOAuth(t.auth, { provider: 'github' });
    expect(error).toBeNull();
    expect(data.url).toBe(`${BASE}/authorize?provider=github`);
  });

  it('refuses a missing provider, and anything but a client', async () => {
    const t = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock() });
    expect(await signInWithOAuth(t.auth, { provider: '' })).toMatchObject({
      data: { provider: null, url: null },
      error: { code: 'invalid_argument' },
    });
    expect((await signInWithOAuth({} as never, { provider: 'github' })).error?.code).toBe('invalid_argument');
  });
});
