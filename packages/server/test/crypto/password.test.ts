/** The password policy: GoTrue's minimum length and required character sets, reasons and sentences. */
import { describe, expect, it } from 'vitest';
import { assertStrongPassword, requiredCharacterSets, type PasswordPolicy } from '../../src/crypto/password.js';
import { isLatchkeyError } from '../../src/errors.js';

function refusal(password: string, policy: PasswordPolicy) {
  try {
    assertStrongPassword(password, policy);
    return undefined;
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    return { code: error.code, status: error.status, message: error.message, extra: error.extra };
  }
}

describe('requiredCharacterSets (GoTrue format)', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['abc', ['abc']],
    ['abc:ABC:012', ['abc', 'ABC', '012']],
    ['::abc::012:', ['abc', '012']],
    ['!\\:?:0', ['!:?', '0']],
    ['\\:', [':']],
  ])('%j is %j', (setting, sets) => {
    expect(requiredCharacterSets(setting)).toEqual(sets);
  });
});

describe('assertStrongPassword', () => {
  const policy = { passwordMinLength: 8, passwordRequiredCharacters: 'abc:0123456789:!\\:' };

  it('accepts a password with one character of each set and enough length', () => {
    expect(refusal('xxxxa1:x', policy)).toBeUndefined();
    expect(refusal('xxxxc9!x', policy)).toBeUndefined();
  });

  it('a missing set is weak_password ["characters"], naming each set as configured', () => {
    expect(refusal('xxxxa1xx', policy)).toEqual({
      code: 'weak_password',
      status: 422,
      message: 'Password should contain at least one character of each: abc, 0123456789, !:.',
      extra: { weak_password: { reasons: ['characters'] } },
    });
  });

  it('the minimum is config, not a constant', () => {
    expect(refusal('abcdefg', { passwordMinLength: 8, passwordRequiredCharacters: undefined })?.extra).toEqual({
      weak_password: { reasons: ['length'] },
    });
    expect(refusal('abcdefg', { passwordMinLength: 7, passwordRequiredCharacters: undefined })).toBeUndefined();
    expect(refusal('abcdefghijklmnopqrstuvwxy', { passwordMinLength: 26, passwordRequiredCharacters: undefined })?.message).toBe(
      'Password should be at least 26 characters.',
    );
  });

  it('a character set may hold astral characters: one of them satisfies it', () => {
    expect(refusal('password🔑', { passwordMinLength: 1, passwordRequiredCharacters: '🔑🗝' })).toBeUndefined();
    expect(refusal('password\ud83d', { passwordMinLength: 1, passwordRequiredCharacters: '🔑🗝' })?.code).toBe('weak_password');
  });

  it('over 1024 characters is validation_failed before any policy', () => {
    expect(refusal('x'.repeat(1025), policy)?.code).toBe('validation_failed');
  });
});
