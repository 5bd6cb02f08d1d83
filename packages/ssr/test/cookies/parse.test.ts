/** Reading a Cookie header. */
import { describe, expect, it } from 'vitest';
import { parseCookieHeader } from '../../src/index.js';

describe('parseCookieHeader', () => {
  it('splits pairs, trims, decodes, and unwraps quoted values', () => {
    expect(parseCookieHeader(' a=1 ;b=x%20y; c="quoted"; d=')).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'x y' },
      { name: 'c', value: 'quoted' },
      { name: 'd', value: '' },
    ]);
  });

  it('keeps the first of a repeated name (the most specific path comes first)', () => {
    expect(parseCookieHeader('a=specific; a=general')).toEqual([{ name: 'a', value: 'specific' }]);
  });

  it('skips pairs without a name and keeps values that are not valid percent-encoding as sent', () => {
    expect(parseCookieHeader('=x; novalue; e=%E0%A4%A')).toEqual([{ name: 'e', value: '%E0%A4%A' }]);
    expect(parseCookieHeader(undefined)).toEqual([]);
    expect(parseCookieHeader('')).toEqual([]);
  });
});
