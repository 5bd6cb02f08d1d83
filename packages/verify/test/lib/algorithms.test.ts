import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_ALGORITHMS, algorithmsForKey, isAlgorithm, signatureCheck } from '../../src/lib/algorithms.js';

describe('the algorithm table', () => {
  it('has no symmetric and no unsigned algorithm', () => {
    for (const alg of ['HS256', 'HS384', 'HS512', 'none', 'None']) expect(isAlgorithm(alg)).toBe(false);
    expect(SUPPORTED_ALGORITHMS.some((alg) => alg.startsWith('HS'))).toBe(false);
  });

  it('is not fooled by inherited property names', () => {
    expect(isAlgorithm('toString')).toBe(false);
    expect(isAlgorithm('__proto__')).toBe(false);
  });
});

describe('algorithmsForKey', () => {
  it.each([
    ['P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, ['ES256']],
    ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, ['ES384']],
    ['P-521', generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey, ['ES512']],
    ['secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, []],
    ['Ed25519', generateKeyPairSync('ed25519').publicKey, ['EdDSA']],
    ['RSA-2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']],
    ['RSA-PSS-2048', generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey, ['PS256', 'PS384', 'PS512']],
    ['RSA-1024', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, []],
    ['X25519', generateKeyPairSync('x25519').publicKey, []],
  ])('lets a %s key verify exactly %j', (_name, key, expected) => {
    expect(algorithmsForKey(key)).toEqual(expected);
  });
});

describe('signatureCheck', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from('header.payload');
  const check = signatureCheck('ES256', publicKey);

  it('accepts a raw r‖s signature and refuses it over other data', () => {
    const signature = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(check(data, signature)).toBe(true);
    expect(check(Buffer.from('header.payload2'), signature)).toBe(false);
  });

  it('refuses a DER signature and signatures of the wrong length, without throwing', () => {
    expect(check(data, sign('sha256', data, privateKey))).toBe(false);
    expect(check(data, Buffer.alloc(0))).toBe(false);
    expect(check(data, Buffer.alloc(64))).toBe(false);
    expect(check(data, Buffer.alloc(65))).toBe(false);
  });
});
