/**
 * createVerifier with fixed keys and an injected clock: options, every verification failure,
 * time boundaries, the verified-token cache. (JWKS fetching: lib/remote-key-set.test.ts; a real
 * Latchkey server: verifier.latchkey.test.ts.)
 */
import * as crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VerifyError, isVerifyError, type VerifyErrorCode } from '../src/errors.js';
import type { VerifierOptions } from '../src/types.js';
import { createVerifier } from '../src/verifier.js';
import { startStub, json, type StubServer } from './support/stub-server.js';
import {
  AUDIENCE,
  ISSUER,
  b64,
  hs256Token,
  latchkeyClaims,
  makeKey,
  noneToken,
  nowSeconds,
  signToken,
  withPayload,
} from './support/tokens.js';

// Counts signature verifications: the cache is observable only through them.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, verify: vi.fn(actual.verify) };
});
const signatureChecks = () => vi.mocked(crypto.verify).mock.calls.length;
beforeEach(() => {
  vi.mocked(crypto.verify).mockClear();
});

const es256 = makeKey('ES256');
const es384 = makeKey('ES384');
const rs256 = makeKey('RS256');

const verifierFor = (extra: Partial<VerifierOptions> = {}) =>
  createVerifier({ keys: [es256.jwk], issuer: ISSUER, audience: AUDIENCE, ...extra });

async function failure(promise: Promise<unknown>): Promise<VerifyError> {
  try {
    await promise;
  } catch (error) {
    if (isVerifyError(error)) return error;
    throw error;
  }
  throw new Error('expected a VerifyError, but verification succeeded');
}

describe('createVerifier options', () => {
  const base = { keys: [es256.jwk], issuer: ISSUER, audience: AUDIENCE };
  const secret = crypto.createSecretKey(crypto.randomBytes(32));
  const weakRsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  it.each<[string, unknown]>([
    ['no issuer', { ...base, issuer: undefined }],
    ['an empty issuer', { ...base, issuer: '' }],
    ['no audience', { ...base, audience: undefined }],
    ['an empty audience list', { ...base, audience: [] }],
    ['neither jwksUrl nor keys', { issuer: ISSUER, audience: AUDIENCE }],
    ['both jwksUrl and keys', { ...base, jwksUrl: 'https://auth.example.test/jwks' }],
    ['a jwksUrl that is not http(s)', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'file:///etc/jwks.json' }],
    ['a jwksUrl that is not a URL', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'jwks.json' }],
    ['HS256 in algorithms', { ...base, algorithms: ['ES256', 'HS256'] }],
    ['none in algorithms', { ...base, algorithms: ['none'] }],
    ['an empty algorithm list', { ...base, algorithms: [] }],
    ['a negative clockTolerance', { ...base, clockTolerance: -1 }],
    ['a NaN clockTolerance', { ...base, clockTolerance: Number.NaN }],
    ['cache.maxEntries 0', { ...base, cache: { maxEntries: 0 } }],
    ['a zero jwks.timeout', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'https://a.test/jwks', jwks: { timeout: 0 } }],
    ['an empty key list', { ...base, keys: [] }],
    ['a symmetric JWK', { ...base, keys: [{ kty: 'oct', k: b64('secret') }] }],
    ['a secret KeyObject', { ...base, keys: [secret] }],
    ['an RSA key under 2048 bits', { ...base, keys: [weakRsa] }],
    ['a JWK whose alg its key cannot do', { ...base, keys: [{ ...es256.jwk, alg: 'RS256' }] }],
    ['a non-function now', { ...base, now: 5 }],
  ])('refuses %s with invalid_options', (_name, options) => {
    let thrown: unknown;
    try {
      createVerifier(options as VerifierOptions);
    } catch (error) {
      thrown = error;
    }
    expect(isVerifyError(thrown, 'invalid_options')).toBe(true);
  });
});

describe('a valid token', () => {
  it('verifies and returns its claims, deeply frozen', async () => {
    const claims = latchkeyClaims();
    const verified = await verifierFor().verify(signToken(es256, { claims }));
    expect(verified).toEqual(claims);
    expect(Object.isFrozen(verified)).toBe(true);
    expect(Object.isFrozen(verified.app_metadata)).toBe(true);
    expect(Object.isFrozen(verified.amr[0])).toBe(true);
    expect(() => {
      (verified as { role: string }).role = 'service_role';
    }).toThrow(TypeError);
  });

  it('accepts an aud list that names the audience, and any audience of a configured list', async () => {
    await expect(verifierFor().verify(signToken(es256, { claims: latchkeyClaims({ aud: ['other', AUDIENCE] }) }))).resolves.toBeTruthy();
    await expect(verifierFor({ audience: ['api', AUDIENCE] }).verify(signToken(es256))).resolves.toBeTruthy();
  });

  it('verifies with keys given as KeyObjects (public or private), their kid being the RFC 7638 thumbprint', async () => {
    const token = signToken(es256);
    await expect(verifierFor({ keys: [es256.publicKey] }).verify(token)).resolves.toBeTruthy();
    await expect(verifierFor({ keys: [es256.privateKey] }).verify(token)).resolves.toBeTruthy();
  });

  it('uses the thumbprint as the kid of a JWK without one', async () => {
    const { kid: _kid, ...withoutKid } = es256.jwk;
    await expect(verifierFor({ keys: [withoutKid as typeof es256.jwk] }).verify(signToken(es256))).resolves.toBeTruthy();
  });

  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const)(
    'verifies %s when it is allowed, with a key of the matching type',
    async (alg) => {
      const key = makeKey(alg);
      const verifier = verifierFor({ keys: [key.jwk], algorithms: [alg] });
      await expect(verifier.verify(signToken(key))).resolves.toBeTruthy();
      // And the same token fails when only the default (ES256) is allowed.
      if (alg !== 'ES256')
        expect((await failure(verifierFor({ keys: [key.jwk] }).verify(signToken(key)))).code).toBe('algorithm_not_allowed');
    },
  );
});

describe('a forged or invalid token', () => {
  const pem = es256.publicKey.export({ format: 'pem', type: 'spki' });
  const der = es256.publicKey.export({ format: 'der', type: 'spki' });
  const foreign = makeKey('ES256', es256.kid);
  const good = () => signToken(es256);
  const signPayload = (payload: string) => {
    const input = `${b64({ alg: 'ES256', kid: es256.kid })}.${b64(payload)}`;
    return `${input}.${crypto.sign('sha256', Buffer.from(input), { key: es256.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const signHeader = (header: Record<string, unknown>) => signToken(es256, { header });
  const derSignature = () => {
    const input = `${b64({ alg: 'ES256', kid: es256.kid })}.${b64(latchkeyClaims())}`;
    return `${input}.${crypto.sign('sha256', Buffer.from(input), es256.privateKey).toString('base64url')}`;
  };
  const claims = (overrides: Record<string, unknown>) => signToken(es256, { claims: latchkeyClaims(overrides) });
  const without = (name: string) => {
    const c = latchkeyClaims();
    delete c[name];
    return signToken(es256, { claims: c });
  };

  const cases: Array<[string, () => string, VerifyErrorCode, Partial<VerifierOptions>?]> = [
    ['alg none', () => noneToken({ kid: es256.kid }, latchkeyClaims()), 'algorithm_not_allowed'],
    ['alg none with a signature part', () => `${noneToken({ kid: es256.kid }, latchkeyClaims())}AAAA`, 'algorithm_not_allowed'],
    ['HS256 keyed with the public key PEM', () => hs256Token(pem, { kid: es256.kid }, latchkeyClaims()), 'algorithm_not_allowed'],
    ['HS256 keyed with the public key DER', () => hs256Token(der, { kid: es256.kid }, latchkeyClaims()), 'algorithm_not_allowed'],
    [
      'HS256 keyed with the JWK JSON',
      () => hs256Token(JSON.stringify(es256.jwk), { kid: es256.kid }, latchkeyClaims()),
      'algorithm_not_allowed',
    ],
    ['a foreign key reusing the kid', () => signToken(foreign), 'bad_signature'],
    ['a tampered payload', () => withPayload(good(), latchkeyClaims({ role: 'service_role' })), 'bad_signature'],
    ['a signature taken from another token', () => `${good().split('.').slice(0, 2).join('.')}.${good().split('.')[2]}`, 'bad_signature'],
    ['a DER-encoded ECDSA signature', derSignature, 'bad_signature'],
    ['a truncated signature', () => good().slice(0, -4), 'bad_signature'],
    ['an empty signature', () => `${good().split('.').slice(0, 2).join('.')}.`, 'bad_signature'],
    [
      'an ES384 header on the P-256 key (ES384 allowed)',
      () => signToken(es256, { header: { alg: 'ES384' }, signAs: 'ES384' }),
      'algorithm_not_allowed',
      { algorithms: ['ES256', 'ES384'] },
    ],
    [
      'an RS256 token naming the EC key (RS256 allowed)',
      () => signToken(rs256, { header: { kid: es256.kid } }),
      'algorithm_not_allowed',
      { algorithms: ['ES256', 'RS256'] },
    ],
    ['an ES384 token (only ES256 allowed)', () => signToken(es384), 'algorithm_not_allowed', { keys: [es256.jwk, es384.jwk] }],
    ['no kid', () => signHeader({ kid: undefined }), 'unknown_key'],
    ['a kid that is not a string', () => signHeader({ kid: 7 }), 'unknown_key'],
    ['an unknown kid', () => signHeader({ kid: 'not-a-key' }), 'unknown_key'],
    ['expired', () => claims({ exp: nowSeconds() - 60 }), 'expired'],
    ['nbf in the future', () => claims({ nbf: nowSeconds() + 60 }), 'not_yet_valid'],
    ['iat in the future', () => claims({ iat: nowSeconds() + 60 }), 'not_yet_valid'],
    ['another issuer', () => claims({ iss: 'https://evil.example/auth/v1' }), 'wrong_issuer'],
    ['the issuer with a trailing slash', () => claims({ iss: `${ISSUER}/` }), 'wrong_issuer'],
    ['no issuer', () => without('iss'), 'wrong_issuer'],
    ['another audience', () => claims({ aud: 'service' }), 'wrong_audience'],
    ['an aud list without the audience', () => claims({ aud: ['a', 'b'] }), 'wrong_audience'],
    ['no audience', () => without('aud'), 'wrong_audience'],
    ['no exp', () => without('exp'), 'malformed'],
    ['a string exp', () => claims({ exp: String(nowSeconds() + 60) }), 'malformed'],
    ['a string nbf', () => claims({ nbf: 'now' }), 'malformed'],
    ['no sub', () => without('sub'), 'malformed'],
    ['a signed payload that is not JSON', () => signPayload('not json'), 'malformed'],
    ['a signed payload that is an array', () => signPayload('[1,2]'), 'malformed'],
    ['a crit header', () => signHeader({ crit: ['b64'], b64: false }), 'malformed'],
    ['a refresh token (opaque string)', () => 'AVJVIaRd8Ex5rG0gq7SBQBQAAAAAAAAAALQXPLoOCG5XffxC9prV3es', 'malformed'],
    ['two segments', () => good().split('.').slice(0, 2).join('.'), 'malformed'],
    ['four segments', () => `${good()}.AAAA`, 'malformed'],
    ['base64 padding', () => `${good()}==`, 'malformed'],
    ['a space inside', () => good().replace('.', ' .'), 'malformed'],
    ['a header that is not JSON', () => `${b64('{alg')}.${good().split('.').slice(1).join('.')}`, 'malformed'],
    ['a header that is an array', () => `${b64(['ES256'])}.${good().split('.').slice(1).join('.')}`, 'malformed'],
    ['a header without alg', () => `${b64({ kid: es256.kid })}.${good().split('.').slice(1).join('.')}`, 'malformed'],
    ['an empty string', () => '', 'malformed'],
    ['a 17 kB token', () => `${good()}${'A'.repeat(17 * 1024)}`, 'malformed'],
  ];

  it.each(cases)('refuses %s', async (_name, make, code, extra) => {
    const token = make();
    const error = await failure(verifierFor(extra).verify(token));
    expect(error.code).toBe(code);
    // Never the token, nor any recognisable part of it, in the message.
    if (token !== '') {
      expect(error.message).not.toContain(token);
      expect(String(error.stack)).not.toContain(token);
    }
    for (const part of token.split('.')) if (part.length >= 8) expect(error.message).not.toContain(part.slice(0, 8));
  });

  it('refuses a token that is not a string', async () => {
    expect((await failure(verifierFor().verify(42 as unknown as string))).code).toBe('malformed');
    expect((await failure(verifierFor().verify(undefined as unknown as string))).code).toBe('malformed');
  });

  it('checks the signature before reading the payload: a tampered token with a broken payload is bad_signature', async () => {
    const [header, , signature] = signToken(es256).split('.');
    expect((await failure(verifierFor().verify(`${header}.${b64('not json')}.${signature}`))).code).toBe('bad_signature');
  });
});

describe('time checks, with an injected clock', () => {
  const T = 2_000_000_000; // seconds
  const at = (ms: number, tolerance?: number) => verifierFor({ now: () => ms, clockTolerance: tolerance, cache: false });
  const token = (overrides: Record<string, unknown>) => signToken(es256, { claims: latchkeyClaims({ iat: T - 60, exp: T, ...overrides }) });

  it('accepts a token until exp + tolerance (default 5 s) and refuses it from then on', async () => {
    await expect(at(T * 1000 + 4_999).verify(token({}))).resolves.toBeTruthy();
    expect((await failure(at(T * 1000 + 5_000).verify(token({})))).code).toBe('expired');
  });

  it('with no tolerance, refuses a token at exactly exp (RFC 7519 §4.1.4)', async () => {
    await expect(at(T * 1000 - 1, 0).verify(token({}))).resolves.toBeTruthy();
    expect((await failure(at(T * 1000, 0).verify(token({})))).code).toBe('expired');
  });

  it('accepts a token from nbf - tolerance, not a millisecond earlier', async () => {
    const nbf = T - 30;
    await expect(at((nbf - 5) * 1000).verify(token({ nbf, iat: nbf - 60 }))).resolves.toBeTruthy();
    expect((await failure(at((nbf - 5) * 1000 - 1).verify(token({ nbf, iat: nbf - 60 })))).code).toBe('not_yet_valid');
    expect((await failure(at((nbf - 2) * 1000, 1).verify(token({ nbf, iat: nbf - 60 })))).code).toBe('not_yet_valid');
  });

  it('refuses a token issued beyond the tolerance in the future', async () => {
    const iat = T - 30;
    await expect(at((iat - 5) * 1000).verify(token({ iat }))).resolves.toBeTruthy();
    expect((await failure(at((iat - 5) * 1000 - 1).verify(token({ iat })))).code).toBe('not_yet_valid');
  });

  it('uses the injected clock, not the system clock', async () => {
    // This token expired in 2033 by the injected clock's standards, but the system clock says now.
    expect((await failure(at((T + 3600) * 1000).verify(token({})))).code).toBe('expired');
  });
});

describe('the verified-token cache', () => {
  it('verifies a repeated token once and serves the same claims object after', async () => {
    const verifier = verifierFor();
    const token = signToken(es256);
    const first = await verifier.verify(token);
    expect(signatureChecks()).toBe(1);
    for (let i = 0; i < 5; i++) expect(await verifier.verify(token)).toBe(first);
    expect(signatureChecks()).toBe(1);
  });

  it('is off with cache: false: every call checks the signature', async () => {
    const verifier = verifierFor({ cache: false });
    const token = signToken(es256);
    for (let i = 0; i < 3; i++) await verifier.verify(token);
    expect(signatureChecks()).toBe(3);
  });

  it('never serves a token past exp + tolerance', async () => {
    let now = Date.now();
    const verifier = verifierFor({ now: () => now, clockTolerance: 5 });
    const exp = Math.floor(now / 1000) + 60;
    const token = signToken(es256, { claims: latchkeyClaims({ exp }) });
    await verifier.verify(token);
    now = (exp + 5) * 1000 - 1;
    await expect(verifier.verify(token)).resolves.toBeTruthy();
    expect(signatureChecks()).toBe(1);
    now = (exp + 5) * 1000;
    expect((await failure(verifier.verify(token))).code).toBe('expired');
  });

  it('is bounded: past maxEntries the oldest token is evicted and verified again', async () => {
    const verifier = verifierFor({ cache: { maxEntries: 2 } });
    const [a, b, c] = [signToken(es256), signToken(es256), signToken(es256)];
    for (const token of [a, b, c]) await verifier.verify(token);
    expect(signatureChecks()).toBe(3);
    await verifier.verify(c);
    await verifier.verify(b);
    expect(signatureChecks()).toBe(3);
    await verifier.verify(a);
    expect(signatureChecks()).toBe(4);
  });

  it('does not let a cached token through a verifier that would refuse it (caches are per verifier)', async () => {
    const token = signToken(es256);
    await verifierFor().verify(token);
    expect((await failure(verifierFor({ audience: 'other' }).verify(token))).code).toBe('wrong_audience');
  });
});

describe('verify(token, { session: true })', () => {
  let stub: StubServer;
  beforeEach(async () => {
    stub = await startStub();
  });
  afterEach(async () => {
    await stub.close();
  });

  it('asks GET <issuer>/user with the token, and refuses the token once the session is gone', async () => {
    const issuer = `${stub.url}/auth/v1`;
    stub.on('/auth/v1/user', json(403, { code: 'session_not_found', message: 'Session not found.' }));
    const verifier = verifierFor({ issuer });
    const token = signToken(es256, { claims: latchkeyClaims({ iss: issuer }) });
    await expect(verifier.verify(token)).resolves.toBeTruthy();
    expect(stub.count('/auth/v1/user')).toBe(0);
    const error = await failure(verifier.verify(token, { session: true }));
    expect(error.code).toBe('session_revoked');
    expect(error.message).not.toContain(token);
    expect(stub.count('/auth/v1/user')).toBe(1);
    expect(stub.hits[0]!.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('asks session.url when given, and lets a live session through', async () => {
    stub.on('/custom/user', json(200, { id: 'x' }));
    const verifier = verifierFor({ session: { url: `${stub.url}/custom/` } });
    await expect(verifier.verify(signToken(es256), { session: true })).resolves.toBeTruthy();
    expect(stub.count('/custom/user')).toBe(1);
  });

  it('works with an issuer that is not a URL, the session check then needing session.url', async () => {
    const issuer = 'latchkey';
    const token = signToken(es256, { claims: latchkeyClaims({ iss: issuer }) });
    await expect(verifierFor({ issuer }).verify(token)).resolves.toBeTruthy();
    expect((await failure(verifierFor({ issuer }).verify(token, { session: true }))).code).toBe('invalid_options');
    stub.on('/auth/v1/user', json(200, {}));
    await expect(verifierFor({ issuer, session: { url: `${stub.url}/auth/v1` } }).verify(token, { session: true })).resolves.toBeTruthy();
  });

  it('refuses a token without session_id as malformed, without asking', async () => {
    const verifier = verifierFor({ session: { url: stub.url } });
    const c = latchkeyClaims();
    delete c.session_id;
    expect((await failure(verifier.verify(signToken(es256, { claims: c }), { session: true }))).code).toBe('malformed');
    expect(stub.hits).toHaveLength(0);
  });

  it('checks the token itself first: a forged token never reaches the auth server', async () => {
    const verifier = verifierFor({ session: { url: stub.url } });
    expect((await failure(verifier.verify(withPayload(signToken(es256), latchkeyClaims()), { session: true }))).code).toBe('bad_signature');
    expect(stub.hits).toHaveLength(0);
  });
});
