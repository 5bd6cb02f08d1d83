/**
 * A small GitHub for tests, answering the documented endpoints Latchkey's GitHub preset calls, at
 * a GitHub Enterprise-style base URL (`<base>/login/oauth/*`, `<base>/api/v3/*`):
 *
 * - `GET /login/oauth/authorize`: the user "consents" at once and is sent back with `code` and
 *   `state` (the user is whoever the test named in `nextLogin`).
 * - `POST /login/oauth/access_token`: GitHub's token exchange, which answers errors with 200 and
 *   an `error` body (https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors);
 *   checks client id, secret, redirect_uri and the PKCE verifier.
 * - `GET /api/v3/user`, `GET /api/v3/user/emails`: the REST API, bearer token required.
 *
 * The only fake allowed in the provider tests: it stands at a true boundary (GitHub itself).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubUser {
  id: number;
  login: string;
  name?: string | null;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

export interface FakeGitHub {
  /** The base URL: LATCHKEY_EXTERNAL_GITHUB_ISSUER for a GitHub Enterprise server. */
  url: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, GitHubUser>;
  /** Who signs in at the next /login/oauth/authorize. */
  nextLogin: string | undefined;
  /** When set, /api/v3/* answers this status (GitHub's API down, or 401). */
  apiStatus: number | undefined;
  /** Every request's method and path, for asserting what was called. */
  calls: string[];
  close(): Promise<void>;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const codes = new Map<string, { login: string; redirectUri: string; challenge: string | null; method: string | null }>();
  const tokens = new Map<string, string>();
  const fake: FakeGitHub = {
    url: '',
    clientId: 'gh-client',
    clientSecret: 'gh-secret',
    users: new Map(),
    nextLogin: undefined,
    apiStatus: undefined,
    calls: [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', fake.url);
    fake.calls.push(`${req.method} ${url.pathname}`);
    void (async () => {
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const redirectUri = url.searchParams.get('redirect_uri')!;
        if (url.searchParams.get('client_id') !== fake.clientId || !fake.nextLogin) return json(res, 404, { message: 'Not Found' });
        const code = randomBytes(10).toString('hex');
        codes.set(code, {
          login: fake.nextLogin,
          redirectUri,
          challenge: url.searchParams.get('code_challenge'),
          method: url.searchParams.get('code_challenge_method'),
        });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const form = await readForm(req);
        const error = (error: string) => json(res, 200, { error, error_description: error.replace(/_/g, ' ') });
        if (form.get('client_id') !== fake.clientId || form.get('client_secret') !== fake.clientSecret)
          return error('incorrect_client_credentials');
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!grant) return error('bad_verification_code');
        if (form.get('redirect_uri') !== grant.redirectUri) return error('redirect_uri_mismatch');
        if (grant.challenge) {
          const verifier = form.get('code_verifier') ?? '';
          if (grant.method !== 'S256' || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)
            return error('bad_verification_code');
        }
        const token = `gho_${randomBytes(16).toString('hex')}`;
        tokens.set(token, grant.login);
        // Without "Accept: application/json" GitHub answers form-encoded; the preset asks for JSON.
        if (!(req.headers.accept ?? '').includes('application/json')) {
          res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' });
          return res.end(new URLSearchParams({ access_token: token, scope: 'read:user,user:email', token_type: 'bearer' }).toString());
        }
        return json(res, 200, { access_token: token, scope: 'read:user,user:email', token_type: 'bearer' });
      }
      if (url.pathname.startsWith('/api/v3/')) {
        if (fake.apiStatus) return json(res, fake.apiStatus, { message: 'Service Unavailable' });
        const auth = /^(?:Bearer|token) (\S+)$/.exec(req.headers.authorization ?? '');
        const login = auth ? tokens.get(auth[1]!) : undefined;
        const user = login ? fake.users.get(login) : undefined;
        if (!user) return json(res, 401, { message: 'Bad credentials' });
        if (url.pathname === '/api/v3/user') {
          const primary = user.emails.find((e) => e.primary);
          return json(res, 200, {
            id: user.id,
            login: user.login,
            name: user.name ?? null,
            avatar_url: `https://avatars.example/${user.id}`,
            email: primary?.email ?? null,
          });
        }
        if (url.pathname === '/api/v3/user/emails') {
          return json(
            res,
            200,
            user.emails.map((e) => ({ ...e, visibility: e.primary ? 'public' : null })),
          );
        }
      }
      json(res, 404, { message: 'Not Found' });
    })().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
