import { describe, expect, it } from 'vitest';
import { isVerifyError } from '../../src/errors.js';
import { checkClaims, decodePayload, deepFreeze, isUnexpired } from '../../src/lib/claims.js';
import { AUDIENCE, ISSUER, b64, latchkeyClaims } from '../support/tokens.js';

const rules = { issuer: ISSUER, audiences: new Set([AUDIENCE]), clockTolerance: 0 };
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return isVerifyError(error) ? error.code : 'other';
  }
};

describe('isUnexpired', () => {
  it('is true strictly before exp + tolerance', () => {
    expect(isUnexpired(100, 99.999, 0)).toBe(true);
    expect(isUnexpired(100, 100, 0)).toBe(false);
    expect(isUnexpired(100, 104.999, 5)).toBe(true);
    expect(isUnexpired(100, 105, 5)).toBe(false);
  });
});

describe('checkClaims', () => {
  const now = 1_000_000;
  const claims = (overrides: Record<string, unknown>) => latchkeyClaims({ iat: now - 10, exp: now + 10, ...overrides });

  it('returns valid claims as they are', () => {
    const valid = claims({});
    expect(checkClaims(valid, rules, now)).toBe(valid);
  });

  it.each([
    ['an iss of another case', { iss: ISSUER.toUpperCase() }, 'wrong_issuer'],
    ['a numeric aud', { aud: 1 }, 'wrong_audience'],
    ['an infinite exp', { exp: Number.POSITIVE_INFINITY }, 'malformed'],
    ['a NaN iat', { iat: Number.NaN }, 'malformed'],
    ['an empty sub', { sub: '' }, 'malformed'],
    ['a numeric sub', { sub: 7 }, 'malformed'],
  ])('refuses %s', (_name, overrides, expected) => {
    expect(code(() => checkClaims(claims(overrides), rules, now))).toBe(expected);
  });
});

describe('decodePayload', () => {
  it('refuses JSON that is not an object', () => {
    for (const value of ['null', '"s"', '[1]', '1']) expect(code(() => decodePayload(b64(value)))).toBe('malformed');
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays', () => {
    const value = deepFreeze({ a: { b: [{ c: 1 }] } });
    expect(Object.isFrozen(value.a.b[0])).toBe(true);
    expect(Object.isFrozen(value.a.b)).toBe(true);
  });
});
