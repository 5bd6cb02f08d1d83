/** The attribute rules a browser would enforce by dropping the cookie, enforced with a coded error. */
import { describe, expect, it } from 'vitest';
import { overheadBytes, resolveAttributes } from '../../src/cookies/attributes.js';
import { serializeCookie } from '../../src/index.js';

const resolve = (name: string, options: Parameters<typeof resolveAttributes>[1] = {}, secure = true) =>
  resolveAttributes(name, options, secure, 'test');

describe('resolveAttributes', () => {
  it('defaults to Path=/, SameSite=Lax, HttpOnly, 400 days, and Secure as the caller says', () => {
    expect(resolve('a')).toEqual({ path: '/', sameSite: 'lax', secure: true, httpOnly: true, maxAge: 34_560_000 });
    expect(resolve('a', {}, false).secure).toBe(false);
    expect(resolve('a', { secure: true }, false).secure).toBe(true);
  });

  it('enforces the __Secure- and __Host- prefix rules (RFC 6265bis §4.1.3), case-insensitively', () => {
    expect(() => resolve('__Secure-a', {}, false)).toThrow(/needs Secure/);
    expect(() => resolve('__secure-a', {}, false)).toThrow(/needs Secure/);
    expect(() => resolve('__Host-a', { domain: 'example.com' })).toThrow(/Path=\/ and no Domain/);
    expect(() => resolve('__HOST-a', { path: '/app' })).toThrow(/Path=\/ and no Domain/);
    expect(() => resolve('__Host-a', {}, false)).toThrow(/needs Secure/);
    expect(resolve('__Host-a')).toMatchObject({ path: '/', secure: true });
    expect(resolve('__Secure-a', { domain: 'example.com', path: '/app' })).toMatchObject({ domain: 'example.com', path: '/app' });
  });

  it('refuses SameSite=None without Secure, bad names, paths, domains and ages', () => {
    expect(() => resolve('a', { sameSite: 'None' }, false)).toThrow(/SameSite=None/);
    expect(resolve('a', { sameSite: 'None' }).sameSite).toBe('none');
    for (const name of ['', 'a b', 'a;b', 'a=b', 'é'])
      expect(() => resolve(name)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => resolve('a', { path: 'app' })).toThrow(/path/);
    expect(() => resolve('a', { path: '/a;b' })).toThrow(/path/);
    expect(() => resolve('a', { domain: 'a b' })).toThrow(/domain/);
    expect(() => resolve('a', { maxAge: -1 })).toThrow(/maxAge/);
    expect(() => resolve('a', { maxAge: 1.5 })).toThrow(/maxAge/);
    expect(() => resolve('a', { sameSite: 'Sometimes' as never })).toThrow(/sameSite/);
  });

  it('counts the bytes a Set-Cookie spends outside the value at least as the serializer does', () => {
    const attributes = resolve('a', { domain: 'example.com' });
    const line = serializeCookie({ name: 'latchkey.auth.token.999', value: '', options: attributes });
    expect(overheadBytes('latchkey.auth.token.999', attributes)).toBeGreaterThanOrEqual(line.length);
  });
});
