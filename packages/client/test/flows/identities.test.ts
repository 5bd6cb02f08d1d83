/** linkIdentity, unlinkIdentity, getUserIdentities: the requests as supabase-js sends them, with the session's bearer token. */
import { afterEach, describe, expect, it } from 'vitest';
import { getUserIdentities, linkIdentity, unlinkIdentity } from '../../src/flows/identities.js';
import { memoryStorage } from '../../src/storage/memory.js';
import { fakeClock, fakeServer, json, REFRESH, s256, serverError, session, testClient, tokenBody, uniqueKey, USER } from '../helpers.js';

const IDP_URL = 'https://idp.example/auth?client_id=latchkey&state=s';
const GITHUB = { id: '583231', identity_id: '6f1c1a3e-0c5e-4b1a-9a43-1f2d8d9b7e10', user_id: 'user-1', provider: 'github' };
const EMAIL = { id: 'user-1', identity_id: '0b7f3f4e-9a2d-4c1e-8f5a-2c3d4e5f6a7b', user_id: 'user-1', provider: 'email' };

afterEach(() => {
  delete (globalThis as { window?: unknown }).window;
});

/** A client whose storage holds a session before it loads (INITIAL_SESSION carries it; no SIGNED_IN). */
async function signedIn(routes: Parameters<typeof fakeServer>[0], flowType: 'implicit' | 'pkce' = 'implicit', expiresInMs?: number) {
  const clock = fakeClock();
  const server = fakeServer(routes);
  const storage = memoryStorage();
  const key = uniqueKey();
  await storage.setItem(key, JSON.stringify(session(1, clock.now(), expiresInMs)));
  const t = await testClient({ fetch: server.fetch, clock, flowType, storage, key });
  return { ...t, server, clock };
}

describe('linkIdentity', () => {
  it('GET /user/identities/authorize with the bearer token and skip_http_redirect=true; the url the server answers', async () => {
    const t = await signedIn({ 'GET /user/identities/authorize': () => json(200, { url: IDP_URL }) });
    const result = await linkIdentity(t.auth, {
      provider: 'github',
      redirectTo: 'https://app.example/settings',
      scopes: 'repo',
      queryParams: { prompt: 'consent' },
      skipBrowserRedirect: true,
    });
    expect(result).toEqual({ data: { provider: 'github', url: IDP_URL }, error: null });
    expect(t.server.calls[0]?.path).toBe(
      '/user/identities/authorize?provider=github&redirect_to=https%3A%2F%2Fapp.example%2Fsettings&scopes=repo&prompt=consent&skip_http_redirect=true',
    );
    expect(t.server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
  });

  it('pkce: the challenge in the query, the verifier kept once the server accepted', async () => {
    const t = await signedIn({ 'GET /user/identities/authorize': () => json(200, { url: IDP_URL }) }, 'pkce');
    await linkIdentity(t.auth, { provider: 'github', skipBrowserRedirect: true });
    const verifier = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    const query = new URLSearchParams(t.server.calls[0]!.path.split('?')[1]);
    expect(query.get('code_challenge')).toBe(s256(verifier));
    expect(query.get('code_challenge_method')).toBe('s256');
  });

  it('pkce: a refusal (manual linking off) keeps no verifier; the code is the server’s', async () => {
    const t = await signedIn({ 'GET /user/identities/authorize': () => serverError(404, 'manual_linking_disabled') }, 'pkce');
    const result = await linkIdentity(t.auth, { provider: 'github', skipBrowserRedirect: true });
    expect(result).toMatchObject({ data: { provider: null, url: null }, error: { code: 'manual_linking_disabled', status: 404 } });
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
  });

  it('navigates the window to the provider URL unless skipBrowserRedirect', async () => {
    const assigned: string[] = [];
    (globalThis as { window?: unknown }).window = { location: { assign: (url: string) => void assigned.push(url) } };
    const t = await signedIn({ 'GET /user/identities/authorize': () => json(200, { url: IDP_URL }) });
    await linkIdentity(t.auth, { provider: 'github' });
    await linkIdentity(t.auth, { provider: 'github', skipBrowserRedirect: true });
    expect(assigned).toEqual([IDP_URL]);
  });

  it('refreshes first when due; without a session: session_missing and no request; an answer without url: unexpected_response', async () => {
    const t = await signedIn(
      { 'GET /user/identities/authorize': () => json(200, {}), [REFRESH]: () => json(200, tokenBody(2)) },
      'implicit',
      10_000,
    );
    expect((await linkIdentity(t.auth, { provider: 'github', skipBrowserRedirect: true })).error?.code).toBe('unexpected_response');
    expect(t.server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      REFRESH,
      expect.stringMatching(/^GET \/user\/identities\/authorize\?provider=github&/),
    ]);
    expect(t.server.calls[1]?.headers.get('authorization')).toBe('Bearer access-2');

    const empty = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock() });
    expect((await linkIdentity(empty.auth, { provider: 'github' })).error?.code).toBe('session_missing');
    expect((await linkIdentity(empty.auth, { provider: '' })).error?.code).toBe('invalid_argument');
  });
});

describe('unlinkIdentity', () => {
  it('DELETE /user/identities/:identity_id, then GET /user: the stored user updated, USER_UPDATED', async () => {
    const t = await signedIn({
      [`DELETE /user/identities/${GITHUB.identity_id}`]: () => json(200, {}),
      'GET /user': () => json(200, { ...USER, identities: [EMAIL] }),
    });
    const result = await unlinkIdentity(t.auth, GITHUB);
    expect(result.error).toBeNull();
    expect(result.data.user?.identities).toEqual([EMAIL]);
    expect(t.server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`DELETE /user/identities/${GITHUB.identity_id}`, 'GET /user']);
    expect(t.server.calls.every((c) => c.headers.get('authorization') === 'Bearer access-1')).toBe(true);
    expect((await t.stored())?.user.identities).toEqual([EMAIL]);
    expect(t.events()).toEqual(['INITIAL_SESSION', 'USER_UPDATED']);
  });

  it('the last identity: single_identity_not_deletable, the user not asked for again', async () => {
    const t = await signedIn({ [`DELETE /user/identities/${EMAIL.identity_id}`]: () => serverError(422, 'single_identity_not_deletable') });
    const result = await unlinkIdentity(t.auth, EMAIL);
    expect(result).toMatchObject({ data: { user: null }, error: { code: 'single_identity_not_deletable', status: 422 } });
    expect(t.server.calls).toHaveLength(1);
    expect(t.events()).toEqual(['INITIAL_SESSION']);
  });

  it('refuses an identity without identity_id, and no session, before any request', async () => {
    const t = await signedIn({});
    expect((await unlinkIdentity(t.auth, {} as never)).error?.code).toBe('invalid_argument');
    const empty = await testClient({ fetch: t.server.fetch, clock: fakeClock() });
    expect((await unlinkIdentity(empty.auth, GITHUB)).error?.code).toBe('session_missing');
    expect(t.server.calls).toEqual([]);
  });
});

describe('getUserIdentities', () => {
  it('GET /user → its identities (none listed: [])', async () => {
    let identities: unknown = [GITHUB, EMAIL];
    const t = await signedIn({ 'GET /user': () => json(200, { ...USER, identities }) });
    expect(await getUserIdentities(t.auth)).toEqual({ data: { identities: [GITHUB, EMAIL] }, error: null });
    identities = undefined;
    expect(await getUserIdentities(t.auth)).toEqual({ data: { identities: [] }, error: null });
    expect(t.server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
  });

  it('no session: session_missing, data.identities null', async () => {
    const t = await testClient({ fetch: fakeServer({}).fetch, clock: fakeClock() });
    expect(await getUserIdentities(t.auth)).toMatchObject({ data: { identities: null }, error: { code: 'session_missing' } });
  });
});
