/**
 * A real OpenID provider for tests: node-oidc-provider on a free port, with its development
 * login and consent pages, and a browser-like walker (cookie jar, redirects, forms) over HTTP.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { ExternalProviderConfig } from '../../src/providers/settings.js';

export interface Account {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestIdp {
  issuer: string;
  /** Registers our callback (known once Latchkey runs) and starts answering. */
  configure(redirectUris: string[]): void;
  accounts: Map<string, Account>;
  /** An outage: while set, every request is answered with this status, or its connection reset. */
  outage: number | 'reset' | undefined;
  close(): Promise<void>;
}

export const NATIVE_REDIRECT = 'http://127.0.0.1/native-callback';
export const CLIENT_ID = 'latchkey';
export const CLIENT_SECRET = 'latchkey-test-secret';

/**
 * `claimsInIdToken: false` makes the provider conformant (OIDC Core §5.4): the email and profile
 * claims come from its UserInfo endpoint only, as Keycloak's and many others' do.
 */
/** The server's settings for a test IdP as the generic OpenID Connect provider `name` (our test client). */
export function oidcProvider(name: string, issuer: string): ExternalProviderConfig {
  return {
    name,
    kind: 'oidc',
    clientId: CLIENT_ID,
    audiences: [CLIENT_ID],
    secret: CLIENT_SECRET,
    redirectUri: undefined,
    issuer,
    scopes: ['openid', 'email', 'profile'],
  };
}

export async function startIdp(options: { claimsInIdToken?: boolean } = {}): Promise<TestIdp> {
  let provider: Provider | undefined;
  const server: Server = createServer((req, res) => {
    if (idp.outage === 'reset') {
      req.socket.destroy();
      return;
    }
    if (!provider || idp.outage) {
      res.statusCode = idp.outage || 503;
      res.end();
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, Account>();
  const idp: TestIdp = {
    issuer,
    accounts,
    outage: undefined,
    configure(redirectUris) {
      const client = (id: string) => ({
        client_id: id,
        client_secret: CLIENT_SECRET,
        redirect_uris: [...redirectUris, NATIVE_REDIRECT],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      });
      provider = new Provider(issuer, {
        clients: [client(CLIENT_ID), client('other-app')],
        async findAccount(_ctx, id) {
          const account = accounts.get(id);
          if (!account) return undefined;
          return { accountId: id, claims: async () => ({ sub: id, ...account }) };
        },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        // Profile claims in the ID token itself (the default keeps them to userinfo).
        conformIdTokenClaims: options.claimsInIdToken === false,
        cookies: { keys: ['test-cookie-key-not-a-secret'] },
        features: { devInteractions: { enabled: true } },
        pkce: { required: () => true },
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return idp;
}

/** A browser's cookie jar over every 127.0.0.1 port (cookies ignore ports, as browsers do). */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/**
 * Follows `url` like a browser until a redirect leaves for `stopAt` (returned, not fetched),
 * signing in at the provider as `login` and consenting on the way.
 */
export async function browse(url: string, jar: CookieJar, stopAt: string, login: string): Promise<URL> {
  let next: { url: string; method: 'GET' | 'POST'; body?: URLSearchParams } = { url, method: 'GET' };
  for (let hops = 0; hops < 20; hops++) {
    if (next.url.startsWith(stopAt)) return new URL(next.url);
    const res = await fetch(next.url, {
      method: next.method,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: next.body,
    });
    jar.take(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      next = { url: new URL(location, next.url).href, method: 'GET' };
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action) throw new Error(`unexpected page ${res.status} at ${next.url}: ${html.slice(0, 300)}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt ?? 'consent' });
    next = { url: new URL(action, next.url).href, method: 'POST', body };
  }
  throw new Error('too many hops');
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** An ID token from the provider for `clientId`, as a native app gets one (code flow with PKCE). */
export async function nativeIdToken(idp: TestIdp, login: string, options: { clientId?: string; nonce?: string } = {}): Promise<string> {
  const clientId = options.clientId ?? CLIENT_ID;
  const { verifier, challenge } = pkcePair();
  const authorize = new URL(`${idp.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: NATIVE_REDIRECT,
    response_type: 'code',
    scope: 'openid email profile',
    state: 'native',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.nonce ? { nonce: options.nonce } : {}),
  }).toString();
  const back = await browse(authorize.href, new CookieJar(), NATIVE_REDIRECT, login);
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${CLIENT_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: NATIVE_REDIRECT,
      code_verifier: verifier,
    }),
  });
  const body = (await res.json()) as { id_token?: string };
  if (!body.id_token) throw new Error(`no id_token: ${JSON.stringify(body)}`);
  return body.id_token;
}
