import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { importJwk, importKeyObject, jwkThumbprint, type KeyEntry } from '../../src/lib/keys.js';
import { makeKey } from '../support/tokens.js';

// RFC 7638 §3.1's worked example.
const RFC_7638_KEY = {
  kty: 'RSA',
  e: 'AQAB',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
};

const entry = (value: KeyEntry | string): KeyEntry => {
  if (typeof value === 'string') throw new Error(value);
  return value;
};

describe('jwkThumbprint', () => {
  it('gives RFC 7638 §3.1 its documented thumbprint', () => {
    expect(jwkThumbprint(RFC_7638_KEY)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it.each(['ES256', 'ES512', 'EdDSA', 'RS256'] as const)('agrees with jose for a %s key, ignoring non-required members', async (alg) => {
    const { jwk } = makeKey(alg);
    expect(jwkThumbprint({ ...jwk, kid: 'whatever', use: 'sig' })).toBe(await calculateJwkThumbprint(jwk as never));
  });

  it('has none for a symmetric key', () => {
    expect(jwkThumbprint({ kty: 'oct', k: 'c2VjcmV0' })).toBeUndefined();
  });
});

describe('importJwk', () => {
  it('imports the public key and prepares a check per algorithm the key type allows', () => {
    const ec = entry(importJwk(makeKey('ES256').jwk));
    expect(ec.key.type).toBe('public');
    expect([...ec.checks.keys()]).toEqual(['ES256']);
    const { alg: _alg, ...rsaWithoutAlg } = makeKey('RS256').jwk;
    expect([...entry(importJwk(rsaWithoutAlg)).checks.keys()]).toEqual(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  });

  it('narrows to the JWK alg when it has one', () => {
    expect([...entry(importJwk(makeKey('PS384').jwk)).checks.keys()]).toEqual(['PS384']);
  });

  it('imports only the public half of a private JWK', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' }) as { kty: string; d?: string };
    expect(jwk.d).toBeDefined();
    expect(entry(importJwk(jwk)).key.type).toBe('public');
  });

  it('refuses a symmetric key, saying so', () => {
    expect(importJwk({ kty: 'oct', k: 'c2VjcmV0' })).toMatch(/symmetric/);
  });

  it.each([
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }],
    ['an encryption key', { ...makeKey().jwk, use: 'enc' }],
    ['key_ops without verify', { ...makeKey().jwk, key_ops: ['encrypt'] }],
    ['an unknown key type', { kty: 'XYZ' }],
    ['missing public members', { kty: 'EC', crv: 'P-256', x: 'AAAA' }],
    ['invalid key material', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }],
    ['an alg the key cannot do', { ...makeKey().jwk, alg: 'HS256' }],
    ['a 1024-bit RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })],
  ])('refuses %s with a reason', (_name, jwk) => {
    expect(typeof importJwk(jwk as never)).toBe('string');
  });

  it('returns the previous entry when kid, material and alg are unchanged, a new one otherwise', () => {
    const key = makeKey();
    const first = entry(importJwk(key.jwk));
    expect(importJwk(key.jwk, first)).toBe(first);
    expect(importJwk({ ...makeKey().jwk, kid: key.kid }, first)).not.toBe(first);
    expect(importJwk({ ...key.jwk, kid: 'renamed' }, first)).not.toBe(first);
  });
});

describe('importKeyObject', () => {
  it('takes the thumbprint as kid, and reduces a private key to its public half', () => {
    const key = makeKey();
    expect(entry(importKeyObject(key.publicKey)).kid).toBe(key.kid);
    const fromPrivate = entry(importKeyObject(key.privateKey));
    expect(fromPrivate.kid).toBe(key.kid);
    expect(fromPrivate.key.type).toBe('public');
  });

  it('refuses a secret key', () => {
    expect(typeof importKeyObject(createSecretKey(randomBytes(32)))).toBe('string');
  });
});
