/** Rewriting the request's Cookie header after writing cookies: ours replaced or removed, others byte for byte. */
import { describe, expect, it } from 'vitest';
import { rewriteCookieHeader } from '../../src/cookies/request-header.js';

const options = { path: '/', maxAge: 60, sameSite: 'lax' as const, secure: true, httpOnly: true };

describe('rewriteCookieHeader', () => {
  it('replaces and adds written cookies, removes deleted ones, keeps the rest exactly as sent', () => {
    const header = 'raw=a/b%zz; lk=old; lk.0=part; other="quoted"';
    const result = rewriteCookieHeader(header, [
      { name: 'lk', value: 'new value', options },
      { name: 'lk.0', value: '', options: { ...options, maxAge: 0 } },
      { name: 'lk.1', value: 'x', options },
    ]);
    expect(result).toBe('raw=a/b%zz; lk=new%20value; other="quoted"; lk.1=x');
  });

  it('copes with no header at all', () => {
    expect(rewriteCookieHeader(undefined, [{ name: 'a', value: '1', options }])).toBe('a=1');
    expect(rewriteCookieHeader('', [])).toBe('');
  });
});
