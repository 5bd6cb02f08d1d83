/** crypto/totp.ts against RFC 6238 Appendix B, and the sealing of secrets at rest. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateTotpSecret, matchTotpCode, openTotpSecret, sealTotpSecret, totpCode, totpStep } from '../../src/crypto/totp.js';
import { base32Decode, hotp } from '../support/totp.js';

// RFC 6238 Appendix B's SHA-1 key "12345678901234567890", base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP codes', () => {
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ])('RFC 6238 Appendix B at T=%i: the last 6 digits of its 8-digit value, %s', (seconds, code) => {
    expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(code);
    expect(hotp(base32Decode(RFC_SECRET), Math.floor(seconds / 30))).toBe(code);
    expect(matchTotpCode(RFC_SECRET, code, seconds * 1000)).toBe(totpStep(seconds * 1000));
  });

  it('matches one step either side and names the step the code belongs to', () => {
    const now = 1_700_000_000_000;
    for (const delta of [-1, 0, 1])
      expect(matchTotpCode(RFC_SECRET, totpCode(RFC_SECRET, now + delta * 30_000), now)).toBe(totpStep(now) + delta);
    for (const delta of [-2, 2]) expect(matchTotpCode(RFC_SECRET, totpCode(RFC_SECRET, now + delta * 30_000), now)).toBeUndefined();
    for (const junk of ['', '12345', '1234567', 'abcdef', ' 123456']) expect(matchTotpCode(RFC_SECRET, junk, now)).toBeUndefined();
  });

  it('generates 160-bit secrets', () => {
    const secret = generateTotpSecret();
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe('sealed secrets', () => {
  const key = randomBytes(32);
  it('open only under their key and for their factor', () => {
    const sealed = sealTotpSecret(key, 'factor-a', RFC_SECRET);
    expect(sealed).not.toContain(RFC_SECRET);
    expect(openTotpSecret(key, 'factor-a', sealed)).toBe(RFC_SECRET);
    expect(() => openTotpSecret(key, 'factor-b', sealed)).toThrow(/cannot be opened/);
    expect(() => openTotpSecret(randomBytes(32), 'factor-a', sealed)).toThrow(/cannot be opened/);
    expect(sealTotpSecret(key, 'factor-a', RFC_SECRET)).not.toBe(sealed);
  });
});
