/** The secrets an email carries and what is stored of them. */
import { describe, expect, it } from 'vitest';
import { hashCode, hashLinkToken, looksLikeLinkToken, mintOneTimeSecrets } from '../../src/crypto/one-time-token.js';
import { challengeOf } from '../../src/crypto/pkce.js';
import { seal, unseal } from '../../src/crypto/seal.js';

describe('one-time secrets', () => {
  it.each([6, 8, 10])('a %i-digit code (LATCHKEY_MAILER_OTP_LENGTH) and a 64-hex link token, fresh each time', (length) => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { code, linkToken } = mintOneTimeSecrets(length);
      expect(code).toMatch(new RegExp(`^\\d{${length}}$`));
      expect(looksLikeLinkToken(linkToken)).toBe(true);
      seen.add(linkToken);
    }
    expect(seen.size).toBe(200);
  });

  it('codes use every digit in every position (leading zeros kept)', () => {
    const first = new Set<string>();
    for (let i = 0; i < 500; i++) first.add(mintOneTimeSecrets(6).code[0]!);
    expect(first.size).toBe(10);
  });

  it('a stored code hash depends on the key and the address, not only the code', () => {
    const key = Buffer.alloc(32, 1);
    const other = Buffer.alloc(32, 2);
    expect(hashCode(key, 'ada@example.com', '123456')).toBe(hashCode(key, 'ada@example.com', '123456'));
    expect(hashCode(key, 'ada@example.com', '123456')).not.toBe(hashCode(other, 'ada@example.com', '123456'));
    expect(hashCode(key, 'ada@example.com', '123456')).not.toBe(hashCode(key, 'bob@example.com', '123456'));
    expect(hashLinkToken('a'.repeat(64))).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkToken('a'.repeat(64))).not.toBe('a'.repeat(64));
  });
});

describe('PKCE challenges (RFC 7636 appendix B)', () => {
  it('S256 of the RFC example verifier', () => {
    expect(challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 's256')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(challengeOf('plain-verifier', 'plain')).toBe('plain-verifier');
  });
});

describe('sealed values', () => {
  it('open with the same key and row id only', () => {
    const key = Buffer.alloc(32, 7);
    const sealed = seal(key, 'the link: https://auth.example.com/verify?token=abc', 'row-1');
    expect(sealed).not.toContain('token=abc');
    expect(unseal(key, sealed, 'row-1')).toBe('the link: https://auth.example.com/verify?token=abc');
    expect(unseal(key, sealed, 'row-2')).toBeUndefined();
    expect(unseal(Buffer.alloc(32, 8), sealed, 'row-1')).toBeUndefined();
    const [v, iv, data, tag] = sealed.split('.');
    const flipped = Buffer.from(data!, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(unseal(key, [v, iv, flipped.toString('base64url'), tag].join('.'), 'row-1')).toBeUndefined();
  });
});
