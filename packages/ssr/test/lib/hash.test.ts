/** SHA-256 and random ids through Web Crypto. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randomToken, sha256 } from '../../src/lib/hash.js';

describe('hash', () => {
  it('sha256 is SHA-256 of the UTF-8, base64url without padding', async () => {
    for (const text of ['', 'abc', 'é🙂'.repeat(100)]) {
      expect(await sha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('base64url'));
    }
  });

  it('randomToken gives 43 base64url characters for 32 bytes, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken(32)));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
