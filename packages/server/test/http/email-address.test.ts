/**
 * One person's address is one account: the canonical form folds every spelling of an address
 * into one, refuses what GoTrue refuses, and refuses characters nobody can see.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEmail, EMAIL_INVALID } from '../../src/http/email-address.js';

const canonical = (input: string) => {
  const result = canonicalEmail(input);
  return 'email' in result ? result.email : result.error;
};

describe('canonicalEmail', () => {
  it.each([
    ['Ada@Example.COM', 'ada@example.com'],
    ['  ada@example.com ', 'ada@example.com'],
    ["o'brien+tag.x@mail.example.co", "o'brien+tag.x@mail.example.co"],
    // GoTrue's pattern: a single-label domain, dots anywhere in the local part.
    ['root@localhost', 'root@localhost'],
    ['.a..b.@x.io', '.a..b.@x.io'],
    ['a@1.2.3.4', 'a@1.2.3.4'],
  ])('%s is %s (as GoTrue stores it)', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it.each([
    'xx:;x@x.x',
    'q(u)o,te@x.x',
    '"quoted"@x.x',
    'a b@x.x',
    'a@b@x.x',
    '@x.x',
    'a@',
    'a@.x',
    'a@x..x',
    'a@x.x.',
    'a@-x.x',
    'a@x-.x',
    'a@x_y.x',
    `a@${'x'.repeat(64)}.x`,
    'a@[127.0.0.1]',
    '<a@x.x>',
  ])('%s is refused with GoTrue message', (input) => {
    expect(canonical(input)).toBe(EMAIL_INVALID);
  });

  it('GoTrue messages for empty and overlong addresses; 255 bytes is the limit', () => {
    expect(canonical('')).toBe('An email address is required');
    expect(canonical('   ')).toBe('An email address is required');
    const domain = `${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(60)}.x`;
    const at255 = `${'a'.repeat(255 - domain.length - 1)}@${domain}`;
    expect(at255).toHaveLength(255);
    expect(canonical(at255)).toBe(at255);
    expect(canonical(`a${at255}`)).toBe('An email address is too long');
    // Bytes, not characters: é is two bytes in UTF-8.
    expect(canonical(`${'é'.repeat(35)}${at255.slice(35)}`)).toBe('An email address is too long');
  });

  it('composed and decomposed accents, full-width letters and ligatures are one address', () => {
    const nfc = 'jos\u00e9@example.com';
    expect(canonical(nfc)).toBe(nfc);
    expect(canonical('jose\u0301@example.com')).toBe(nfc);
    expect(canonical('ＪＯＳÉ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe(nfc);
    expect(canonical('ﬁ@example.com')).toBe('fi@example.com');
  });

  it('an internationalized domain is stored as its A-label, whichever way it is typed', () => {
    expect(canonical('ada@bücher.de')).toBe('ada@xn--bcher-kva.de');
    expect(canonical('ada@BU\u0308CHER.de')).toBe('ada@xn--bcher-kva.de');
    expect(canonical('ada@xn--bcher-kva.de')).toBe('ada@xn--bcher-kva.de');
  });

  it.each([
    ['zero-width space', 'ada\u200b@example.com'],
    ['zero-width joiner', 'ada@exam\u200dple.com'],
    ['zero-width non-joiner', 'a\u200cda@example.com'],
    ['word joiner', 'ada\u2060@example.com'],
    ['a byte-order mark inside', 'ad\ufeffa@example.com'],
    ['soft hyphen', 'a\u00adda@example.com'],
    ['right-to-left override', '\u202eada@example.com'],
    ['left-to-right isolate', 'ada\u2066@example.com'],
    ['no-break space', 'a\u00a0da@example.com'],
    ['ideographic space', 'a\u3000da@example.com'],
    ['en quad (a space after NFKC)', 'a\u2000da@example.com'],
    ['variation selector', 'ada\ufe0f@example.com'],
    ['Hangul filler', 'ada\u3164@example.com'],
    ['a private-use character', 'ada\ue000@example.com'],
    ['an unassigned code point', 'ada\u0378@example.com'],
    ['a control character', 'ada\u0007@example.com'],
    ['NUL', 'ada\u0000@example.com'],
    ['a lone high surrogate', 'ada\ud800@example.com'],
    ['a lone low surrogate', 'ada\udc00@example.com'],
  ])('%s is refused, not a look-alike second account', (_label, input) => {
    expect(canonical(input)).toBe(EMAIL_INVALID);
  });

  it('the canonical form is a fixed point, and never holds an invisible character', () => {
    const part = fc.string({ unit: fc.oneof(fc.constantFrom(...'aAéE\u0301ｅＡ.-+ﬁİßΣς'), fc.string({ unit: 'binary', maxLength: 1 })) });
    fc.assert(
      fc.property(part, part, (local, domain) => {
        const result = canonicalEmail(`${local}@${domain}`);
        if (!('email' in result)) return;
        expect(canonicalEmail(result.email)).toEqual(result);
        expect(result.email).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Z}\p{Default_Ignorable_Code_Point}]/u);
        expect(result.email).toBe(result.email.toLowerCase());
      }),
      { seed: 12, numRuns: 2000 },
    );
  });
});
