/**
 * The GitHub preset (OAuth 2.0 plus GitHub's REST API, not OpenID Connect) against a small local
 * GitHub answering its documented endpoints at a GitHub Enterprise-style base URL: a full
 * sign-in, the linking rule on verified and unverified primary emails, GitHub refusing the code,
 * and GitHub's API down.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_PRESETS, type ExternalProviderConfig } from '../../../src/providers/settings.js';
import { startTestServer, testDatabases, type TestServer } from '../../../src/testing.js';
import { call, databaseCases, signUp, uniqueEmail } from '../../helpers.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/github-server.js';
import { browse, CookieJar } from '../../support/oidc-idp.js';

const APP = 'http://localhost:3000';

describe.each(databaseCases(testDatabases()))('the GitHub preset on %s', (_name, database) => {
  let github: FakeGitHub;
  let server: TestServer;

  beforeAll(async () => {
    github = await startFakeGitHub();
    const config: ExternalProviderConfig = {
      name: 'github',
      kind: 'github',
      clientId: github.clientId,
      audiences: [github.clientId],
      secret: github.clientSecret,
      redirectUri: undefined,
      issuer: github.url,
      scopes: PROVIDER_PRESETS.github!.scopes,
    };
    server = await startTestServer({ database, config: { externalProviders: { github: config } } });
  });
  afterAll(async () => {
    await server?.close();
    await github?.close();
  });

  /** A GitHub account; `login` is also who signs in next. */
  function githubUser(emails: Array<{ email: string; primary: boolean; verified: boolean }>) {
    const id = randomInt(1, 2 ** 31);
    const login = `octo-${id}`;
    github.users.set(login, { id, login, name: 'Mona Lisa', emails });
    github.nextLogin = login;
    return { id, login };
  }

  async function toCallback(): Promise<{ callback: URL; jar: CookieJar }> {
    const jar = new CookieJar();
    const url = `${server.authUrl}/authorize?provider=github&redirect_to=${encodeURIComponent(`${APP}/welcome`)}`;
    return { callback: await browse(url, jar, `${server.authUrl}/callback`, 'unused'), jar };
  }

  async function follow(url: URL, jar: CookieJar): Promise<URL> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  async function signIn(): Promise<URL> {
    const { callback, jar } = await toCallback();
    return follow(callback, jar);
  }

  const me = (back: URL) =>
    call(server.authUrl, 'GET', '/user', { token: new URLSearchParams(back.hash.slice(1)).get('access_token')! }).then((r) => r.body);

  async function userCount(): Promise<number> {
    const res = await call(server.authUrl, 'GET', '/admin/users?per_page=1', { token: server.secretKey });
    return Number(res.headers.get('x-total-count'));
  }

  it('a full sign-in: GitHub authorize with PKCE, the token exchange, the user and its verified primary email', async () => {
    const email = uniqueEmail('octo');
    const { id, login } = githubUser([
      { email: uniqueEmail('other'), primary: false, verified: true },
      { email, primary: true, verified: true },
    ]);
    const start = await fetch(`${server.authUrl}/authorize?provider=github`, { redirect: 'manual' });
    const toGitHub = new URL(start.headers.get('location')!);
    expect(toGitHub.origin + toGitHub.pathname).toBe(`${github.url}/login/oauth/authorize`);
    expect(toGitHub.searchParams.get('scope')).toBe('read:user user:email');
    expect(toGitHub.searchParams.get('code_challenge_method')).toBe('S256');
    expect(toGitHub.searchParams.get('redirect_uri')).toBe(`${server.authUrl}/callback`);

    const back = await signIn();
    expect(back.origin + back.pathname).toBe(`${APP}/welcome`);
    const params = new URLSearchParams(back.hash.slice(1));
    expect(params.get('provider_token')).toMatch(/^gho_/);
    const user = await me(back);
    expect(user.email).toBe(email);
    expect(user.email_confirmed_at).toBeTruthy();
    expect(user.app_metadata).toEqual({ provider: 'github', providers: ['github'] });
    expect(user.identities).toHaveLength(1);
    expect(user.identities[0]).toMatchObject({
      provider: 'github',
      id: String(id),
      identity_data: { sub: String(id), email, email_verified: true, user_name: login, full_name: 'Mona Lisa' },
    });
    expect(github.calls).toEqual(expect.arrayContaining(['POST /login/oauth/access_token', 'GET /api/v3/user', 'GET /api/v3/user/emails']));

    github.nextLogin = login;
    const again = await me(await signIn());
    expect(again.id).toBe(user.id);
  });

  it('a verified primary email joins the user who confirmed that address', async () => {
    const email = uniqueEmail('linked');
    const password = await signUp(server, email);
    githubUser([{ email, primary: true, verified: true }]);
    const user = await me(await signIn());
    expect(user.id).toBe(password.user.id);
    expect(user.app_metadata.providers).toEqual(['email', 'github']);
  });

  it('an unverified primary email never joins an existing account: a new user, without the address', async () => {
    const email = uniqueEmail('victim');
    const victim = await signUp(server, email);
    githubUser([{ email, primary: true, verified: false }]);
    const user = await me(await signIn());
    expect(user.id).not.toBe(victim.user.id);
    expect(user.email).toBe('');
    expect(user.identities[0].identity_data).toMatchObject({ email, email_verified: false });
  });

  it("GitHub refusing the code (its 200 answer with an error body) comes back to the app as GitHub's error; nothing created", async () => {
    githubUser([{ email: uniqueEmail(), primary: true, verified: true }]);
    const before = await userCount();
    const { callback, jar } = await toCallback();
    callback.searchParams.set('code', 'not-a-code');
    const back = await follow(callback, jar);
    expect(back.origin + back.pathname).toBe(`${APP}/welcome`);
    expect(back.searchParams.get('error_code')).toBe('bad_oauth_callback');
    expect(back.searchParams.get('error_description')).toMatch(/bad_verification_code/);
    expect(await userCount()).toBe(before);
  });

  it("GitHub's API down: provider_unavailable back at the app, nothing created", async () => {
    githubUser([{ email: uniqueEmail(), primary: true, verified: true }]);
    const before = await userCount();
    github.apiStatus = 503;
    try {
      const back = await signIn();
      expect(back.origin + back.pathname).toBe(`${APP}/welcome`);
      expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
      expect(back.searchParams.get('error_code')).toBe('provider_unavailable');
      expect(back.hash).not.toMatch(/access_token/);
    } finally {
      github.apiStatus = undefined;
    }
    expect(await userCount()).toBe(before);
  });
});
