/**
 * The behaviour every middleware must share, run by each framework's test file over real HTTP
 * with real Latchkey tokens (and tokens of a second, local key for roles Latchkey does not issue).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MiddlewareOptions } from '../../src/lib/authorize.js';
import type { Jwk, Verifier } from '../../src/types.js';
import { createVerifier } from '../../src/verifier.js';
import { jwksUrl, logoutLocal, signUp, startLatchkey, type Session, type TestServer } from './latchkey.js';
import { raiseToAal2 } from './mfa.js';
import { JWKS_PATH, json, serveKeys, startStub, type StubServer } from './stub-server.js';
import { latchkeyClaims, makeKey, nowSeconds, signToken } from './tokens.js';

export interface RouteSpec {
  path: string;
  verifier: Verifier;
  options?: MiddlewareOptions;
}

/**
 * Starts the framework's app with one GET route per spec, each protected by the middleware
 * under test; the route answers `{ sub, role }` read from the framework's idiomatic place.
 * A predicate that throws must reach the framework's own error handling (a 500).
 */
export type StartApp = (routes: RouteSpec[]) => Promise<{ url: string; close(): Promise<void> }>;

export function middlewareContract(framework: string, startApp: StartApp): void {
  describe(`${framework} middleware`, () => {
    let latchkey: TestServer;
    let jwks: StubServer;
    let app: { url: string; close(): Promise<void> };
    const local = makeKey('ES256');

    beforeAll(async () => {
      latchkey = await startLatchkey();
      const serverKeys = ((await (await fetch(jwksUrl(latchkey))).json()) as { keys: Jwk[] }).keys;
      // The API's JWKS: the Latchkey server's key and a local one (roles Latchkey never issues).
      jwks = await startStub();
      jwks.on(
        JWKS_PATH,
        serveKeys(() => [...serverKeys, local.jwk]),
      );
      jwks.on('/down/jwks.json', json(503, {}));
      const base = { issuer: latchkey.app.issuer, audience: 'authenticated', session: { url: latchkey.authUrl, ttl: 0 } };
      const verifier = createVerifier({ ...base, jwksUrl: `${jwks.url}${JWKS_PATH}` });
      const down = createVerifier({ ...base, jwksUrl: `${jwks.url}/down/jwks.json` });
      app = await startApp([
        { path: '/me', verifier },
        { path: '/admin', verifier, options: { role: 'service_role' } },
        { path: '/mfa', verifier, options: { claims: { aal: 'aal2' } } },
        { path: '/aal2', verifier, options: { requireAal: 'aal2' } },
        {
          path: '/boom',
          verifier,
          options: {
            claims: () => {
              throw new Error('predicate bug');
            },
          },
        },
        { path: '/sensitive', verifier, options: { session: true } },
        { path: '/realm', verifier, options: { realm: 'api' } },
        { path: '/down', verifier: down },
      ]);
    });
    afterAll(async () => {
      await app?.close();
      await jwks?.close();
      await latchkey?.close();
    });

    const get = (path: string, authorization?: string) => fetch(`${app.url}${path}`, { headers: authorization ? { authorization } : {} });
    const localToken = (claims: Record<string, unknown>) =>
      signToken(local, { claims: latchkeyClaims({ iss: latchkey.app.issuer, ...claims }) });
    async function expectRefusal(res: Response, status: number, code: string, challenge: RegExp | null) {
      expect(res.status).toBe(status);
      expect(res.headers.get('www-authenticate')).toEqual(challenge === null ? null : expect.stringMatching(challenge));
      expect(await res.json()).toMatchObject({ code });
    }

    it('lets a valid Latchkey token through, with its claims in the idiomatic place', async () => {
      const session: Session = await signUp(latchkey);
      const res = await get('/me', `Bearer ${session.access_token}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: session.user.id, role: 'authenticated' });
      expect((await get('/me', `bearer ${session.access_token}`)).status).toBe(200);
    });

    it('answers a request without a token 401 with a bare Bearer challenge', async () => {
      await expectRefusal(await get('/me'), 401, 'missing_token', /^Bearer$/);
      await expectRefusal(await get('/me', 'Basic dXNlcjpwYXNz'), 401, 'missing_token', /^Bearer$/);
    });

    it('never reads a token from the query string', async () => {
      const { access_token } = await signUp(latchkey);
      await expectRefusal(await fetch(`${app.url}/me?access_token=${access_token}`), 401, 'missing_token', /^Bearer$/);
    });

    it('answers an invalid token 401 invalid_token, without echoing it', async () => {
      const { refresh_token, access_token } = await signUp(latchkey);
      const res = await get('/me', `Bearer ${refresh_token}`);
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate')!;
      expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'malformed' });
      expect(`${challenge}${text}`).not.toContain(refresh_token);
      const [h, , s] = access_token.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'someone-else' })).toString('base64url')}.${s}`;
      await expectRefusal(await get('/me', `Bearer ${forged}`), 401, 'bad_signature', /error="invalid_token"/);
      await expectRefusal(await get('/me', 'Bearer a b'), 401, 'malformed', /error="invalid_token"/);
    });

    it('answers an expired token 401 expired', async () => {
      const res = await get('/me', `Bearer ${localToken({ exp: nowSeconds() - 60, iat: nowSeconds() - 120 })}`);
      await expectRefusal(res, 401, 'expired', /error="invalid_token", error_description="The access token expired."/);
    });

    it('guards roles: 403 insufficient_scope for another role, through for the listed one', async () => {
      const { access_token } = await signUp(latchkey);
      await expectRefusal(await get('/admin', `Bearer ${access_token}`), 403, 'forbidden', /^Bearer error="insufficient_scope"/);
      const res = await get('/admin', `Bearer ${localToken({ role: 'service_role', sub: 'svc' })}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: 'svc', role: 'service_role' });
    });

    it('guards claims: 403 without aal2, through with it', async () => {
      const { access_token } = await signUp(latchkey);
      await expectRefusal(await get('/mfa', `Bearer ${access_token}`), 403, 'forbidden', /error="insufficient_scope"/);
      expect((await get('/mfa', `Bearer ${localToken({ aal: 'aal2' })}`)).status).toBe(200);
    });

    it('requireAal: aal2 answers an aal1 token 403 insufficient_aal (RFC 9470 challenge), and lets aal2 through', async () => {
      const session = await signUp(latchkey);
      const refused = await get('/aal2', `Bearer ${session.access_token}`);
      await expectRefusal(refused, 403, 'insufficient_aal', /^Bearer error="insufficient_user_authentication", error_description="[^"]+"$/);
      const raised = await raiseToAal2(latchkey, session);
      const res = await get('/aal2', `Bearer ${raised.access_token}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: session.user.id, role: 'authenticated' });
    });

    it("hands errors that are not the token's fault to the framework (500), not a 401", async () => {
      const { access_token } = await signUp(latchkey);
      const res = await get('/boom', `Bearer ${access_token}`);
      expect(res.status).toBe(500);
      expect(res.headers.get('www-authenticate')).toBeNull();
    });

    it('with session: true, refuses the token of a revoked session that plain routes still accept', async () => {
      const { access_token } = await signUp(latchkey);
      expect((await get('/sensitive', `Bearer ${access_token}`)).status).toBe(200);
      await logoutLocal(latchkey, access_token);
      expect((await get('/me', `Bearer ${access_token}`)).status).toBe(200);
      await expectRefusal(await get('/sensitive', `Bearer ${access_token}`), 401, 'session_revoked', /error="invalid_token"/);
    });

    it('puts the realm in every challenge', async () => {
      await expectRefusal(await get('/realm'), 401, 'missing_token', /^Bearer realm="api"$/);
      await expectRefusal(await get('/realm', 'Bearer x.y.z'), 401, 'malformed', /^Bearer realm="api", error="invalid_token"/);
    });

    it('answers 503 without a challenge when the keys cannot be fetched', async () => {
      const { access_token } = await signUp(latchkey);
      await expectRefusal(await get('/down', `Bearer ${access_token}`), 503, 'jwks_unavailable', null);
    });
  });
}
