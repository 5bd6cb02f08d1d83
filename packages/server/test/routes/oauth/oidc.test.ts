/**
 * Provider sign-in against a real OpenID provider (node-oidc-provider on a free port): discovery,
 * the redirect flow with its state, nonce and PKCE, identities and linking, the id_token grant.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../../src/testing.js';
import { call, databaseCases, signUp, uniqueEmail } from '../../helpers.js';
import { browse, CookieJar, nativeIdToken, oidcProvider, pkcePair, startIdp, CLIENT_ID, type TestIdp } from '../../support/oidc-idp.js';

const APP = 'http://localhost:3000';

describe.each(databaseCases(testDatabases()))('OpenID Connect providers on %s', (_name, database) => {
  let idp: TestIdp;
  /** A provider that keeps email and profile to its UserInfo endpoint (OIDC Core §5.4). */
  let conformant: TestIdp;
  let server: TestServer;

  beforeAll(async () => {
    idp = await startIdp();
    conformant = await startIdp({ claimsInIdToken: false });
    server = await startTestServer({
      database,
      config: {
        externalProviders: {
          idp: oidcProvider('idp', idp.issuer),
          down: oidcProvider('down', 'http://127.0.0.1:9'),
          conformant: oidcProvider('conformant', conformant.issuer),
        },
        securityManualLinkingEnabled: true,
      },
    });
    idp.configure([`${server.authUrl}/callback`]);
    conformant.configure([`${server.authUrl}/callback`]);
  });
  afterAll(async () => {
    await server?.close();
    await idp?.close();
    await conformant?.close();
  });

  const account = (email = uniqueEmail('idp'), verified = true) => {
    const id = `acct-${randomBytes(6).toString('hex')}`;
    idp.accounts.set(id, { email, email_verified: verified, name: 'Ada Lovelace' });
    return { id, email };
  };

  /** Starts at /authorize, signs in at the provider, returns the callback URL (not yet followed). */
  async function toCallback(login: string, jar = new CookieJar(), query = ''): Promise<URL> {
    return browse(`${server.authUrl}/authorize?provider=idp${query}`, jar, `${server.authUrl}/callback`, login);
  }

  async function follow(url: URL | string, jar: CookieJar): Promise<URL> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  const fragment = (url: URL) => new URLSearchParams(url.hash.slice(1));

  it('GET /settings lists the enabled providers under external', async () => {
    const { body } = await call(server.authUrl, 'GET', '/settings');
    expect(body.external).toMatchObject({ idp: true, down: true, email: true });
  });

  it('a full sign-in: discovery, provider login and consent, back at the app with a session that rotates', async () => {
    const { id, email } = account();
    const jar = new CookieJar();
    const start = await fetch(`${server.authUrl}/authorize?provider=idp&redirect_to=${encodeURIComponent(`${APP}/welcome`)}`, {
      redirect: 'manual',
    });
    expect(start.status).toBe(302);
    const toIdp = new URL(start.headers.get('location')!);
    expect(toIdp.origin).toBe(idp.issuer);
    expect(toIdp.searchParams.get('code_challenge_method')).toBe('S256');
    expect(toIdp.searchParams.get('nonce')).toBeTruthy();
    expect(start.headers.get('set-cookie')).toMatch(/latchkey-oauth-browser=.*HttpOnly; SameSite=Lax/);
    jar.take(start);
    const cb = await browse(toIdp.href, jar, `${server.authUrl}/callback`, id);
    const back = await follow(cb, jar);
    expect(back.origin + back.pathname).toBe(`${APP}/welcome`);
    const params = fragment(back);
    expect(back.search).toBe('');
    expect(params.get('token_type')).toBe('bearer');
    expect(params.get('provider_token')).toBeTruthy();
    const me = await call(server.authUrl, 'GET', '/user', { token: params.get('access_token')! });
    expect(me.body.email).toBe(email);
    expect(me.body.app_metadata).toEqual({ provider: 'idp', providers: ['idp'] });
    expect(me.body.identities).toHaveLength(1);
    expect(me.body.identities[0]).toMatchObject({ provider: 'idp', id, identity_data: { email, email_verified: true, sub: id } });
    const claims = JSON.parse(Buffer.from(params.get('access_token')!.split('.')[1]!, 'base64url').toString());
    expect(claims.amr[0].method).toBe('oauth');
    const rotated = await call(server.authUrl, 'POST', '/token?grant_type=refresh_token', {
      body: { refresh_token: params.get('refresh_token') },
    });
    expect(rotated.status).toBe(200);
  });

  async function signIn(login: string, query = ''): Promise<URLSearchParams> {
    const jar = new CookieJar();
    return fragment(await follow(await toCallback(login, jar, query), jar));
  }
  const me = (params: URLSearchParams) => call(server.authUrl, 'GET', '/user', { token: params.get('access_token')! }).then((r) => r.body);

  it('a provider that keeps the email to its UserInfo endpoint: the user still gets the verified email and name', async () => {
    const login = `acct-${randomBytes(6).toString('hex')}`;
    const email = uniqueEmail('userinfo');
    conformant.accounts.set(login, { email, email_verified: true, name: 'Katherine Johnson' });
    const jar = new CookieJar();
    const back = await follow(
      await browse(`${server.authUrl}/authorize?provider=conformant`, jar, `${server.authUrl}/callback`, login),
      jar,
    );
    const token = fragment(back).get('access_token');
    expect(token).toBeTruthy();
    const user = await call(server.authUrl, 'GET', '/user', { token: token! });
    expect(user.body.email).toBe(email);
    expect(user.body.email_confirmed_at).toBeTruthy();
    expect(user.body.user_metadata.full_name).toBe('Katherine Johnson');
  });

  it('a returning user gets the same account and one identity', async () => {
    const { id } = account();
    const first = await me(await signIn(id));
    const again = await me(await signIn(id));
    expect(again.id).toBe(first.id);
    expect(again.identities).toHaveLength(1);
  });

  it('a verified provider email joins the user who confirmed that address (linking)', async () => {
    const email = uniqueEmail('linked');
    const password = await signUp(server, email);
    const { id } = account(email, true);
    const user = await me(await signIn(id));
    expect(user.id).toBe(password.user.id);
    expect(user.app_metadata).toEqual({ provider: 'email', providers: ['email', 'idp'] });
    expect(user.identities.map((i: { provider: string }) => i.provider)).toEqual(['email', 'idp']);
  });

  it('an unverified provider email never joins an existing account: a new user, without the address', async () => {
    const email = uniqueEmail('victim');
    const victim = await signUp(server, email);
    const { id } = account(email, false);
    const user = await me(await signIn(id));
    expect(user.id).not.toBe(victim.user.id);
    expect(user.email).toBe('');
    expect(user.identities[0].identity_data.email_verified).toBe(false);
  });

  it('PKCE: ?code= back at the app, exchanged once with the verifier for an oauth session', async () => {
    const { id, email } = account();
    const { verifier, challenge } = pkcePair();
    const jar = new CookieJar();
    const back = await follow(await toCallback(id, jar, `&code_challenge=${challenge}&code_challenge_method=s256`), jar);
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();
    expect(back.hash).toBe('');
    const wrong = await call(server.authUrl, 'POST', '/token?grant_type=pkce', {
      body: { auth_code: code, code_verifier: pkcePair().verifier },
    });
    expect(wrong.body.code).toBe('bad_code_verifier');
    const ok = await call(server.authUrl, 'POST', '/token?grant_type=pkce', { body: { auth_code: code, code_verifier: verifier } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(email);
    const again = await call(server.authUrl, 'POST', '/token?grant_type=pkce', { body: { auth_code: code, code_verifier: verifier } });
    expect(again.body.code).toBe('flow_state_not_found');
  });

  async function userCount(): Promise<number> {
    const res = await call(server.authUrl, 'GET', '/admin/users?per_page=1', { token: server.secretKey });
    return Number(res.headers.get('x-total-count'));
  }
  const flowCount = async () => Number((await server.app.db.query<{ n: string }>('SELECT count(*) AS n FROM oauth_flows'))[0]!.n);

  it('provider down: a clear error back at the app, and nothing stored', async () => {
    const [users, flows] = [await userCount(), await flowCount()];
    const res = await fetch(`${server.authUrl}/authorize?provider=down&redirect_to=${encodeURIComponent(`${APP}/x`)}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(`${APP}/x`);
    expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(back.searchParams.get('error_code')).toBe('provider_unavailable');
    expect(await userCount()).toBe(users);
    expect(await flowCount()).toBe(flows);
  });

  it('provider down between login and callback (an error status, a reset connection): provider_unavailable at the app, nothing created', async () => {
    for (const outage of [503, 'reset'] as const) {
      const { id, email } = account();
      const jar = new CookieJar();
      const cb = await toCallback(id, jar, `&redirect_to=${encodeURIComponent(`${APP}/x`)}`);
      const users = await userCount();
      idp.outage = outage;
      let back: URL;
      try {
        back = await follow(cb, jar);
      } finally {
        idp.outage = undefined;
      }
      expect(back.origin + back.pathname).toBe(`${APP}/x`);
      expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
      expect(back.searchParams.get('error_code')).toBe('provider_unavailable');
      expect(back.hash).not.toMatch(/access_token/);
      expect(await userCount()).toBe(users);
      const found = await call(server.authUrl, 'GET', `/admin/users?filter=${encodeURIComponent(email)}`, { token: server.secretKey });
      expect(found.body.users).toHaveLength(0);
    }
  });

  it('a nonce mismatch in the code flow: the ID token was minted for another nonce, so the callback fails and nothing is created', async () => {
    const { id, email } = account();
    const jar = new CookieJar();
    const start = await fetch(`${server.authUrl}/authorize?provider=idp&redirect_to=${encodeURIComponent(`${APP}/x`)}`, {
      redirect: 'manual',
    });
    jar.take(start);
    const toIdp = new URL(start.headers.get('location')!);
    // The state, PKCE and browser all check out; only the nonce the provider signs differs.
    toIdp.searchParams.set('nonce', randomBytes(16).toString('base64url'));
    const cb = await browse(toIdp.href, jar, `${server.authUrl}/callback`, id);
    const users = await userCount();
    const back = await follow(cb, jar);
    expect(back.origin + back.pathname).toBe(`${APP}/x`);
    expect(back.searchParams.get('error_code')).toBe('bad_oauth_callback');
    expect(back.searchParams.get('error_description')).toMatch(/nonce/);
    expect(back.hash).not.toMatch(/access_token/);
    expect(await userCount()).toBe(users);
    const found = await call(server.authUrl, 'GET', `/admin/users?filter=${encodeURIComponent(email)}`, { token: server.secretKey });
    expect(found.body.users).toHaveLength(0);
  });

  it('an unknown provider is a 400 as in GoTrue', async () => {
    const res = await call(server.authUrl, 'GET', '/authorize?provider=nope');
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Unsupported provider: Provider nope could not be found');
  });

  it('queryParams go on to the provider (prompt, login_hint), never over the protocol’s own (redirect_uri, state, nonce)', async () => {
    const query =
      '/authorize?provider=idp&skip_http_redirect=true&prompt=login&login_hint=ada%40example.com' +
      '&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=mine&nonce=mine&response_type=token&client_id=other-app';
    const res = await call(server.authUrl, 'GET', query);
    expect(res.status).toBe(200);
    const url = new URL(res.body.url as string);
    expect(url.searchParams.get('prompt')).toBe('login');
    expect(url.searchParams.get('login_hint')).toBe('ada@example.com');
    expect(url.searchParams.get('redirect_uri')).toBe(`${server.authUrl}/callback`);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.getAll('state')).toHaveLength(1);
    expect(url.searchParams.get('state')).not.toBe('mine');
    expect(url.searchParams.get('nonce')).not.toBe('mine');
    expect(url.searchParams.has('skip_http_redirect')).toBe(false);
    expect(url.searchParams.has('provider')).toBe(false);
  });

  describe('id_token grant (signInWithIdToken)', () => {
    const nonce = () => randomBytes(16).toString('hex');
    const hashed = (raw: string) => createHash('sha256').update(raw).digest('hex');

    it('signs in with an ID token whose nonce is the hash of the one passed', async () => {
      const { id, email } = account();
      const raw = nonce();
      const idToken = await nativeIdToken(idp, id, { nonce: hashed(raw) });
      const res = await call(server.authUrl, 'POST', '/token?grant_type=id_token', {
        body: { provider: 'idp', id_token: idToken, nonce: raw },
      });
      expect(res.status).toBe(200);
      expect(res.body.user.email).toBe(email);
      expect(res.body.user.identities[0].provider).toBe('idp');
    });

    it('refuses a nonce mismatch, another audience and an expired token', async () => {
      const { id } = account();
      const raw = nonce();
      const idToken = await nativeIdToken(idp, id, { nonce: hashed(raw) });
      const mismatch = await call(server.authUrl, 'POST', '/token?grant_type=id_token', {
        body: { provider: 'idp', id_token: idToken, nonce: nonce() },
      });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.message).toBe('Nonces mismatch');
      const other = await nativeIdToken(idp, id, { clientId: 'other-app', nonce: hashed(raw) });
      const audience = await call(server.authUrl, 'POST', '/token?grant_type=id_token', {
        body: { provider: 'idp', id_token: other, nonce: raw },
      });
      expect(audience.status).toBe(400);
      expect(audience.body.message).toMatch(/audience/);
      const clock = server.clock();
      server.clock.advance(2 * 3600_000);
      try {
        const expired = await call(server.authUrl, 'POST', '/token?grant_type=id_token', {
          body: { provider: 'idp', id_token: idToken, nonce: raw },
        });
        expect(expired.status).toBe(400);
        expect(expired.body.message).toMatch(/expired/);
      } finally {
        server.clock.set(clock);
      }
      const users = await call(server.authUrl, 'GET', `/admin/users?filter=${encodeURIComponent(idp.accounts.get(id)!.email!)}`, {
        token: server.secretKey,
      });
      expect(users.body.users).toHaveLength(0);
    });
  });

  it('linkIdentity and unlinkIdentity: link a second identity, refuse to unlink the last one', async () => {
    const first = account();
    const session = await signIn(first.id);
    const second = account(uniqueEmail('second'));
    const start = await call(server.authUrl, 'GET', '/user/identities/authorize?provider=idp&skip_http_redirect=true', {
      token: session.get('access_token')!,
    });
    expect(start.status).toBe(200);
    // Fetched cross-origin by supabase-js, so no cookie could land: the link is bound to the user
    // and session, and a browser that never saw this server completes it.
    expect(start.headers.getSetCookie()).toEqual([]);
    const jar = new CookieJar();
    const back = fragment(await follow(await browse(start.body.url, jar, `${server.authUrl}/callback`, second.id), jar));
    const user = await me(back);
    expect(user.identities.map((i: { id: string }) => i.id).sort()).toEqual([first.id, second.id].sort());
    const token = back.get('access_token')!;
    const secondIdentity = user.identities.find((i: { id: string }) => i.id === second.id);
    expect((await call(server.authUrl, 'DELETE', `/user/identities/${secondIdentity.identity_id}`, { token })).status).toBe(200);
    const last = (await me(back)).identities[0];
    const refused = await call(server.authUrl, 'DELETE', `/user/identities/${last.identity_id}`, { token });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('single_identity_not_deletable');
  });

  it('a link is bound to the session that started it: signed out before the callback, nothing is linked', async () => {
    const first = account();
    const session = await signIn(first.id);
    const second = account(uniqueEmail('second'));
    const token = session.get('access_token')!;
    const start = await call(server.authUrl, 'GET', '/user/identities/authorize?provider=idp&skip_http_redirect=true', { token });
    const jar = new CookieJar();
    const cb = await browse(start.body.url, jar, `${server.authUrl}/callback`, second.id);
    expect((await call(server.authUrl, 'POST', '/logout?scope=local', { token })).status).toBe(204);
    const back = await follow(cb, jar);
    expect(back.searchParams.get('error_code')).toBe('bad_oauth_state');
    expect(back.searchParams.get('error_description')).toMatch(/session/);
    const again = await signIn(first.id);
    expect((await me(again)).identities.map((i: { id: string }) => i.id)).toEqual([first.id]);
  });

  it('state: tampered, replayed and from another browser all fail back at the app; nothing is created', async () => {
    const { id, email } = account();
    const jar = new CookieJar();
    const cb = await toCallback(id, jar);
    const tampered = new URL(cb);
    tampered.searchParams.set('state', `${cb.searchParams.get('state')!.slice(0, -2)}xx`);
    const bad = await follow(tampered, jar);
    expect(bad.searchParams.get('error_code')).toBe('bad_oauth_state');
    const elsewhere = await follow(cb, new CookieJar());
    expect(elsewhere.searchParams.get('error_code')).toBe('bad_oauth_state');
    expect(elsewhere.searchParams.get('error_description')).toMatch(/browser/);
    const ok = await follow(cb, jar);
    expect(fragment(ok).get('access_token')).toBeTruthy();
    const replay = await follow(cb, jar);
    expect(replay.searchParams.get('error')).toBe('invalid_request');
    expect(replay.searchParams.get('error_code')).toBe('bad_oauth_state');
    const users = await call(server.authUrl, 'GET', `/admin/users?filter=${encodeURIComponent(email)}`, { token: server.secretKey });
    expect(users.body.users).toHaveLength(1);
  });
});
