/**
 * Test keys and tokens: key pairs for every supported algorithm and a signer that writes any
 * header and claims (including forgeries). No state: each call returns new values.
 */
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign, constants, type KeyObject } from 'node:crypto';
import type { Algorithm, Jwk } from '../../src/types.js';

export const ISSUER = 'https://auth.example.test/auth/v1';
export const AUDIENCE = 'authenticated';

export interface TestKey {
  alg: Algorithm;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK, with kid and alg, as a JWKS publishes it. */
  jwk: Jwk;
}

const GENERATE: Record<Algorithm, () => { privateKey: KeyObject; publicKey: KeyObject }> = {
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  RS384: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  RS512: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS384: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS512: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EdDSA: () => generateKeyPairSync('ed25519'),
};

/** RFC 7638 thumbprint, computed independently of the code under test. */
export function thumbprint(jwk: Jwk): string {
  const members = jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : ['crv', 'kty', 'x'];
  const canonical = `{${members.map((m) => `"${m}":"${String(jwk[m])}"`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

export function makeKey(alg: Algorithm = 'ES256', kid?: string): TestKey {
  const { privateKey, publicKey } = GENERATE[alg]();
  const exported = publicKey.export({ format: 'jwk' }) as Jwk;
  const id = kid ?? thumbprint(exported);
  return { alg, kid: id, privateKey, publicKey, jwk: { ...exported, kid: id, alg, use: 'sig' } };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims shaped like a Latchkey access token, valid for an hour. */
export function latchkeyClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds();
  return {
    iss: ISSUER,
    sub: randomUUID(),
    aud: AUDIENCE,
    exp: iat + 3600,
    iat,
    email: 'someone@example.com',
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: iat }],
    session_id: randomUUID(),
    is_anonymous: false,
    ...overrides,
  };
}

export const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signBytes(alg: string, key: KeyObject, data: Buffer): Buffer {
  if (alg.startsWith('ES')) return sign(`sha${alg.slice(2)}`, data, { key, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('RS')) return sign(`sha${alg.slice(2)}`, data, key);
  if (alg.startsWith('PS'))
    return sign(`sha${alg.slice(2)}`, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  if (alg === 'EdDSA') return sign(null, data, key);
  throw new Error(`test signer: no ${alg}`);
}

export interface SignOptions {
  /** Header members to add or override (e.g. `{ alg: 'ES384' }`, `{ kid: undefined }`). */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** Sign as this algorithm even if the header says otherwise. */
  signAs?: string;
}

/** Signs a compact JWS with `key`: header `{ alg, kid, typ: 'JWT' }` unless overridden. */
export function signToken(key: TestKey, options: SignOptions = {}): string {
  const header = { alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header };
  const input = `${b64(header)}.${b64(options.claims ?? latchkeyClaims())}`;
  return `${input}.${signBytes(options.signAs ?? key.alg, key.privateKey, Buffer.from(input)).toString('base64url')}`;
}

/** An HS256 token keyed with `secret`: the algorithm-confusion forgery. */
export function hs256Token(secret: Buffer | string, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', ...header })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned `alg: none` token. */
export function noneToken(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT', ...header })}.${b64(claims)}.`;
}

/** The same token with a different payload, signature untouched. */
export function withPayload(token: string, claims: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64(claims)}.${signature}`;
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}
