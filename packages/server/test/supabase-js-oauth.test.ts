/**
 * Wire compatibility of issue #14's provider flows: @supabase/supabase-js, unchanged, against
 * Latchkey and a real OpenID provider (node-oidc-provider): signInWithOAuth under PKCE with
 * skipBrowserRedirect, its URL followed over HTTP like a browser through the provider's login and
 * consent, then exchangeCodeForSession; signInWithIdToken with a native app's ID token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../src/testing.js';
import { databaseCases, uniqueEmail } from './helpers.js';
import { supabaseClient } from './support/supabase.js';
import { browse, CookieJar, nativeIdToken, oidcProvider, startIdp, type TestIdp } from './support/oidc-idp.js';

const APP = 'http://localhost:3000';

describe.each(databaseCases(testDatabases()))('supabase-js provider flows against Latchkey on %s', (_name, database) => {
  let idp: TestIdp;
  let server: TestServer;
  const client = (flowType: 'implicit' | 'pkce' = 'pkce') => supabaseClient(server, flowType);

  beforeAll(async () => {
    idp = await startIdp();
    server = await startTestServer({
      database,
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

  const account = (email = uniqueEmail('sbjs')) => {
    const id = `acct-${randomBytes(6).toString('hex')}`;
    idp.accounts.set(id, { email, email_verified: true, name: 'Grace Hopper' });
    return { id, email };
  };

  /** Like a browser: the URL, the provider's pages, our callback, until it lands back at the app. */
  async function toApp(url: string, login: string, jar = new CookieJar()): Promise<URL> {
    const callback = await browse(url, jar, `${server.authUrl}/callback`, login);
    const res = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header() } });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  it('signInWithOAuth (pkce, skipBrowserRedirect) → the provider → ?code= → exchangeCodeForSession', async () => {
    const { id, email } = account();
    const supabase = client('pkce');
    const events: string[] = [];
    supabase.auth.onAuthStateChange((event) => void events.push(event));
    const { data, error } = await supabase.auth.signInWithOAuth({
      provider: 'idp' as never,
      options: { redirectTo: `${APP}/auth/callback`, skipBrowserRedirect: true },
    });
    expect(error).toBeNull();
    expect(data.url).toContain(`${server.authUrl}/authorize?provider=idp`);
    expect(data.url).toContain('code_challenge_method=s256');

    const back = await toApp(data.url!, id);
    expect(back.origin + back.pathname).toBe(`${APP}/auth/callback`);
    const code = back.searchParams.get('code');
    expect(code).toBeTruthy();
    const exchanged = await supabase.auth.exchangeCodeForSession(code!);
    expect(exchanged.error).toBeNull();
    expect(exchanged.data.session?.access_token).toBeTruthy();
    expect(exchanged.data.user?.email).toBe(email);
    expect(exchanged.data.user?.app_metadata).toEqual({ provider: 'idp', providers: ['idp'] });
    expect(exchanged.data.user?.identities?.[0]).toMatchObject({ provider: 'idp', id });
    expect(events).toContain('SIGNED_IN');
    const identities = await supabase.auth.getUserIdentities();
    expect(identities.data?.identities.map((i) => i.provider)).toEqual(['idp']);
  });

  it('signInWithOAuth implicit: the session arrives in the fragment', async () => {
    const { id, email } = account();
    const supabase = client('implicit');
    const { data } = await supabase.auth.signInWithOAuth({ provider: 'idp' as never, options: { redirectTo: `${APP}/x` } });
    const back = await toApp(data.url!, id);
    const params = new URLSearchParams(back.hash.slice(1));
    const { data: set, error } = await supabase.auth.setSession({
      access_token: params.get('access_token')!,
      refresh_token: params.get('refresh_token')!,
    });
    expect(error).toBeNull();
    expect(set.user?.email).toBe(email);
  });

  it('linkIdentity (pkce) → the provider in a browser that never saw Latchkey → exchangeCodeForSession: two identities, then unlinkIdentity', async () => {
    const first = account();
    const second = account(uniqueEmail('second'));
    const supabase = client('pkce');
    const nonce = randomBytes(16).toString('hex');
    const token = await nativeIdToken(idp, first.id, { nonce: createHash('sha256').update(nonce).digest('hex') });
    expect((await supabase.auth.signInWithIdToken({ provider: 'idp', token, nonce })).error).toBeNull();

    const { data, error } = await supabase.auth.linkIdentity({
      provider: 'idp' as never,
      options: { redirectTo: `${APP}/linked`, skipBrowserRedirect: true },
    });
    expect(error).toBeNull();
    // supabase-js fetched /user/identities/authorize itself; the URL is the provider's.
    expect(new URL(data.url!).origin).toBe(idp.issuer);
    const back = await toApp(data.url!, second.id, new CookieJar());
    expect(back.searchParams.get('error_description')).toBeNull();
    const exchanged = await supabase.auth.exchangeCodeForSession(back.searchParams.get('code')!);
    expect(exchanged.error).toBeNull();
    const { data: ids } = await supabase.auth.getUserIdentities();
    expect(ids?.identities.map((i) => i.id).sort()).toEqual([first.id, second.id].sort());

    const unlinked = await supabase.auth.unlinkIdentity(ids!.identities.find((i) => i.id === second.id)!);
    expect(unlinked.error).toBeNull();
    await supabase.auth.refreshSession();
    expect((await supabase.auth.getUserIdentities()).data?.identities.map((i) => i.id)).toEqual([first.id]);
  });

  it('signInWithIdToken with a native ID token and its raw nonce', async () => {
    const { id, email } = account();
    const nonce = randomBytes(16).toString('hex');
    const token = await nativeIdToken(idp, id, { nonce: createHash('sha256').update(nonce).digest('hex') });
    const supabase = client();
    const { data, error } = await supabase.auth.signInWithIdToken({ provider: 'idp', token, nonce });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
    expect(data.session?.access_token).toBeTruthy();
    expect((await supabase.auth.getUser()).data.user?.identities?.[0]?.provider).toBe('idp');

    const wrong = await client().auth.signInWithIdToken({ provider: 'idp', token, nonce: 'another' });
    expect(wrong.error?.status).toBe(400);
    expect(wrong.error?.message).toBe('Nonces mismatch');
  });
});
