/**
 * End to end against a real Latchkey server (in-process, real HTTP, PGlite): its tokens, its
 * JWKS, its /user endpoint for the live-session check.
 */
import { createHmac, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVerifyError } from '../src/errors.js';
import type { Jwk, VerifierOptions } from '../src/types.js';
import { createVerifier } from '../src/verifier.js';
import { jwksUrl, logoutLocal, signUp, startLatchkey, type TestServer } from './support/latchkey.js';
import { raiseToAal2 } from './support/mfa.js';
import { b64, decodePayload, thumbprint, withPayload } from './support/tokens.js';

let server: TestServer;
beforeAll(async () => {
  server = await startLatchkey();
});
afterAll(async () => {
  await server?.close();
});

const verifierFor = (extra: Partial<VerifierOptions> = {}) =>
  createVerifier({ jwksUrl: jwksUrl(server), issuer: server.app.issuer, audience: 'authenticated', ...extra });

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (isVerifyError(error)) return error.code;
    throw error;
  }
}

async function serverJwk(): Promise<Jwk> {
  const { keys } = (await (await fetch(jwksUrl(server))).json()) as { keys: Jwk[] };
  return keys[0]!;
}

describe('tokens of a real Latchkey server', () => {
  it('verify, with the claims Latchkey issues', async () => {
    const session = await signUp(server);
    const claims = await verifierFor().verify(session.access_token);
    expect(claims).toMatchObject({
      iss: server.app.issuer,
      sub: session.user.id,
      aud: 'authenticated',
      email: session.user.email,
      role: 'authenticated',
      aal: 'aal1',
      is_anonymous: false,
    });
    expect(claims.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.exp - claims.iat).toBe(60);
  });

  it('expose the assurance level and methods: aal2 with totp first once a second factor is verified', async () => {
    const session = await signUp(server);
    const raised = await raiseToAal2(server, session);
    const claims = await verifierFor().verify(raised.access_token);
    expect(claims.aal).toBe('aal2');
    expect(claims.session_id).toBe((await verifierFor().verify(session.access_token)).session_id);
    expect(claims.amr.map((m) => m.method)).toEqual(['totp', 'password']);
    expect(claims.amr[0]!.timestamp).toEqual(expect.any(Number));
  });

  it("carry a kid that is the RFC 7638 thumbprint of the server's key, so a KeyObject alone verifies them", async () => {
    const jwk = await serverJwk();
    expect(jwk.kid).toBe(thumbprint(jwk));
    const session = await signUp(server);
    await expect(
      verifierFor({ jwksUrl: undefined, keys: [createPublicKey({ key: jwk as never, format: 'jwk' })] }).verify(session.access_token),
    ).resolves.toBeTruthy();
  });

  it('expire by the verifier clock, with the tolerance', async () => {
    const session = await signUp(server);
    const { exp } = decodePayload(session.access_token) as { exp: number };
    expect(await code(verifierFor({ now: () => (exp + 5) * 1000 - 1 }).verify(session.access_token))).toBe('ok');
    expect(await code(verifierFor({ now: () => (exp + 5) * 1000 }).verify(session.access_token))).toBe('expired');
  });

  it('are refused for another issuer or audience', async () => {
    const { access_token } = await signUp(server);
    expect(await code(verifierFor({ issuer: `${server.url}/auth/v2` }).verify(access_token))).toBe('wrong_issuer');
    expect(await code(verifierFor({ audience: 'service' }).verify(access_token))).toBe('wrong_audience');
  });

  it('a refresh token is not an access token: malformed', async () => {
    const { refresh_token } = await signUp(server);
    const error = await verifierFor()
      .verify(refresh_token)
      .catch((e: Error) => e);
    expect(isVerifyError(error, 'malformed')).toBe(true);
    expect((error as Error).message).not.toContain(refresh_token);
  });
});

describe("forgeries of a real server's tokens", () => {
  it('a tampered payload fails the signature', async () => {
    const { access_token } = await signUp(server);
    const forged = withPayload(access_token, { ...decodePayload(access_token), role: 'service_role' });
    expect(await code(verifierFor().verify(forged))).toBe('bad_signature');
  });

  it("a token signed by a foreign key under the server's kid fails the signature", async () => {
    const { access_token } = await signUp(server);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const [header, payload] = access_token.split('.');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(await code(verifierFor().verify(`${header}.${payload}.${signature.toString('base64url')}`))).toBe('bad_signature');
  });

  it("HS256 keyed with the server's public key (PEM, or JWK JSON) is refused", async () => {
    const { access_token } = await signUp(server);
    const jwk = await serverJwk();
    const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
    const claims = decodePayload(access_token);
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const input = `${b64({ alg: 'HS256', kid: jwk.kid, typ: 'JWT' })}.${b64(claims)}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      expect(await code(verifierFor().verify(token))).toBe('algorithm_not_allowed');
    }
  });

  it('alg none is refused', async () => {
    const { access_token } = await signUp(server);
    const jwk = await serverJwk();
    const token = `${b64({ alg: 'none', kid: jwk.kid, typ: 'JWT' })}.${access_token.split('.')[1]}.`;
    expect(await code(verifierFor().verify(token))).toBe('algorithm_not_allowed');
  });
});

describe('the live-session check', () => {
  it('refuses a token whose session was revoked (logout), which the local check still accepts until exp', async () => {
    const session = await signUp(server);
    const verifier = verifierFor({ session: { ttl: 0 } });
    expect(await code(verifier.verify(session.access_token, { session: true }))).toBe('ok');
    await logoutLocal(server, session.access_token);
    expect(await code(verifier.verify(session.access_token))).toBe('ok');
    expect(await code(verifier.verify(session.access_token, { session: true }))).toBe('session_revoked');
  });

  it('notices a revocation within the ttl', async () => {
    const session = await signUp(server);
    let now = Date.now();
    const verifier = verifierFor({ now: () => now, session: { ttl: 5 } });
    expect(await code(verifier.verify(session.access_token, { session: true }))).toBe('ok');
    await logoutLocal(server, session.access_token);
    now += 4_999;
    expect(await code(verifier.verify(session.access_token, { session: true }))).toBe('ok');
    now += 1;
    expect(await code(verifier.verify(session.access_token, { session: true }))).toBe('session_revoked');
  });

  it('leaves other sessions of the same user alone', async () => {
    const first = await signUp(server);
    const res = await fetch(`${server.authUrl}/token?grant_type=password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: first.user.email, password: 'password123' }),
    });
    const second = (await res.json()) as { access_token: string };
    await logoutLocal(server, first.access_token);
    expect(await code(verifierFor({ session: { ttl: 0 } }).verify(second.access_token, { session: true }))).toBe('ok');
  });
});

describe('when the auth server goes away', () => {
  it('keeps verifying locally from the cached keys, and fails the live-session check closed', async () => {
    const own = await startLatchkey();
    const session = await signUp(own);
    const verifier = createVerifier({
      jwksUrl: jwksUrl(own),
      issuer: own.app.issuer,
      audience: 'authenticated',
      cache: false,
      session: { ttl: 0 },
    });
    await verifier.verify(session.access_token);
    await own.close();
    expect(await code(verifier.verify(session.access_token))).toBe('ok');
    expect(await code(verifier.verify(session.access_token, { session: true }))).toBe('session_check_unavailable');
  });
});
