/**
 * Issue #14's provider flows against a real Latchkey server (in-process, real HTTP, PGlite) and a
 * real OpenID provider (node-oidc-provider): signInWithOAuth under PKCE with skipBrowserRedirect,
 * its URL followed over HTTP like a browser through the provider's login and consent and our
 * callback, then exchangeCodeForSession; signInWithIdToken with a native app's ID token; and
 * linkIdentity / unlinkIdentity / getUserIdentities. Each test uses its own provider account.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  exchangeCodeForSession,
  getUserIdentities,
  linkIdentity,
  memoryStorage,
  signInWithIdToken,
  signInWithOAuth,
  unlinkIdentity,
  type AuthChangeEvent,
  type FlowType,
  type LatchkeyClient,
} from '../../src/index.js';
import { uniqueKey } from '../helpers.js';
import { browse, CookieJar, nativeIdToken, oidcProvider, startIdp, type TestIdp } from '../support/oidc-idp.js';

const APP = 'http://localhost:3000';

let idp: TestIdp;
let server: TestServer;

beforeAll(async () => {
  idp = await startIdp();
  server = await startTestServer({
    config: {
      externalProviders: {
        idp: oidcProvider('idp', idp.issuer),
      },
      securityManualLinkingEnabled: true,
    },
  });
  idp.configure([`${server.authUrl}/callback`]);
});

afterAll(async () => {
  await server?.close();
  await idp?.close();
});

function client(flowType: FlowType = 'pkce'): LatchkeyClient {
  return createClient({
    url: server.authUrl,
    clock: { now: () => server.clock() },
    storage: memoryStorage(),
    storageKey: uniqueKey(),
    autoRefresh: false,
    flowType,
  });
}

function events(auth: LatchkeyClient): AuthChangeEvent[] {
  const seen: AuthChangeEvent[] = [];
  auth.onAuthStateChange((event) => void seen.push(event));
  return seen;
}

/** A fresh account at the provider. */
function account(tag: string): { id: string; email: string } {
  const id = `acct-${randomBytes(6).toString('hex')}`;
  const email = `${tag}-${id}@example.com`;
  idp.accounts.set(id, { email, email_verified: true, name: 'Grace Hopper' });
  return { id, email };
}

/** Like a browser: the URL, the provider's pages, our callback, until it lands back at the app. */
async function toApp(url: string, login: string, jar = new CookieJar()): Promise<URL> {
  const callback = await browse(url, jar, `${server.authUrl}/callback`, login);
  const res = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header() } });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

/** A native app's ID token for `login`, requested with the SHA-256 of a raw nonce (returned). */
async function idToken(login: string): Promise<{ token: string; nonce: string }> {
  const nonce = randomBytes(16).toString('hex');
  const token = await nativeIdToken(idp, login, { nonce: createHash('sha256').update(nonce).digest('hex') });
  return { token, nonce };
}

describe('provider flows against Latchkey and a real OpenID provider', () => {
  it('signInWithOAuth (pkce, skipBrowserRedirect) → the provider → ?code= → exchangeCodeForSession: signed in', async () => {
    const { id, email } = account('oauth');
    const auth = client('pkce');
    const seen = events(auth);
    const { data, error } = await signInWithOAuth(auth, { provider: 'idp', redirectTo: `${APP}/auth/callback`, skipBrowserRedirect: true });
    expect(error).toBeNull();
    expect(data.url).toContain(`${server.authUrl}/authorize?provider=idp`);
    expect(data.url).toContain('code_challenge_method=s256');

    const back = await toApp(data.url!, id);
    expect(back.origin + back.pathname).toBe(`${APP}/auth/callback`);
    expect(back.searchParams.get('error_description')).toBeNull();
    const code = back.searchParams.get('code');
    expect(code).toBeTruthy();

    const exchanged = await exchangeCodeForSession(auth, code!);
    expect(exchanged.error).toBeNull();
    expect(exchanged.data.user?.email).toBe(email);
    expect(exchanged.data.user?.app_metadata).toEqual({ provider: 'idp', providers: ['idp'] });
    expect(seen).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    expect((await auth.getSession()).data.session?.access_token).toBe(exchanged.data.session?.access_token);
    const identities = await getUserIdentities(auth);
    expect(identities.data.identities?.map((i) => [i.provider, i.id])).toEqual([['idp', id]]);

    // The code is single-use, and worth nothing to a client without the verifier.
    expect((await exchangeCodeForSession(client('pkce'), code!)).error?.code).toBe('pkce_code_verifier_not_found');
  });

  it('signInWithIdToken with a native ID token and its raw nonce; a wrong nonce is refused', async () => {
    const { id, email } = account('idtoken');
    const { token, nonce } = await idToken(id);
    const auth = client('implicit');
    const seen = events(auth);
    const { data, error } = await signInWithIdToken(auth, { provider: 'idp', token, nonce });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
    expect(seen).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    expect((await auth.getUser()).data.user?.identities).toMatchObject([{ provider: 'idp', id }]);

    const wrong = await signInWithIdToken(client(), { provider: 'idp', token, nonce: 'another' });
    expect(wrong.error?.status).toBe(400);
    expect(wrong.error?.code).not.toBe('unexpected_response');
    expect(wrong.data).toEqual({ user: null, session: null });
  });

  it('linkIdentity (pkce) → the provider → exchangeCodeForSession: two identities; unlinkIdentity leaves one, in the stored user too', async () => {
    const first = account('first');
    const second = account('second');
    const auth = client('pkce');
    const { token, nonce } = await idToken(first.id);
    expect((await signInWithIdToken(auth, { provider: 'idp', token, nonce })).error).toBeNull();

    const { data, error } = await linkIdentity(auth, { provider: 'idp', redirectTo: `${APP}/linked`, skipBrowserRedirect: true });
    expect(error).toBeNull();
    expect(new URL(data.url!).origin).toBe(idp.issuer);
    const back = await toApp(data.url!, second.id);
    expect(back.searchParams.get('error_description')).toBeNull();
    expect((await exchangeCodeForSession(auth, back.searchParams.get('code')!)).error).toBeNull();
    const { data: ids } = await getUserIdentities(auth);
    expect(ids.identities?.map((i) => i.id).sort()).toEqual([first.id, second.id].sort());

    const seen = events(auth);
    const unlinked = await unlinkIdentity(
      auth,
      ids.identities!.find((i) => i.id === second.id)!,
    );
    expect(unlinked.error).toBeNull();
    expect((unlinked.data.user?.identities as { id: string }[]).map((i) => i.id)).toEqual([first.id]);
    const stored = (await auth.getSession()).data.session?.user.identities as { id: string }[];
    expect(stored.map((i) => i.id)).toEqual([first.id]);
    expect(seen).toEqual(['INITIAL_SESSION', 'USER_UPDATED']);
  });
});
