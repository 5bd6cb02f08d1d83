/** Writing a Set-Cookie header. */
import { describe, expect, it } from 'vitest';
import { parseCookieHeader, serializeCookie } from '../../src/index.js';

const options = { path: '/', maxAge: 60, sameSite: 'lax' as const, secure: true, httpOnly: true };

describe('serializeCookie', () => {
  it('writes the attributes in a fixed order', () => {
    expect(serializeCookie({ name: 'a', value: 'v', options: { ...options, domain: 'example.com', sameSite: 'strict' } })).toBe(
      'a=v; Path=/; Domain=example.com; Max-Age=60; HttpOnly; Secure; SameSite=Strict',
    );
    expect(serializeCookie({ name: 'a', value: 'v', options: { ...options, secure: false, httpOnly: false, maxAge: 0 } })).toBe(
      'a=v; Path=/; Max-Age=0; SameSite=Lax',
    );
  });

  it('percent-encodes what a cookie value may not hold raw, and the parser reads it back', () => {
    const value = 'a b;c,d"e\\f%g=é🙂';
    const line = serializeCookie({ name: 'x', value, options });
    const raw = line.split(';')[0]!.slice(2);
    expect(raw).toMatch(/^[A-Za-z0-9%!'()*\-._~]*$/); // RFC 6265 cookie-octets only
    expect(parseCookieHeader(`x=${raw}`)).toEqual([{ name: 'x', value }]);
  });
});
