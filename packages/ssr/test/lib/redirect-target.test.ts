/** Redirect targets of the callback routes: what counts as a path on this origin, relative Locations. */
import { describe, expect, it } from 'vitest';
import { isTarget, safeNext, seeOther, withQuery } from '../../src/lib/redirect-target.js';

describe('redirect targets', () => {
  it('a configured target is a path or an absolute http(s) URL', () => {
    for (const ok of ['/', '/home?tab=1', 'https://app.example/x', 'http://localhost:3000/']) expect(isTarget(ok), ok).toBe(true);
    for (const bad of ['//evil.example', '/\\evil.example', 'home', 'javascript:alert(1)', 'https:///x', 'https:\\\\evil', '', 5]) {
      expect(isTarget(bad), String(bad)).toBe(false);
    }
  });

  it('`next` is kept only as a path on this origin, whatever the URL parser does to it', () => {
    expect(safeNext('/inbox?x=1#top')).toBe('/inbox?x=1#top');
    for (const next of [
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\\/evil.example',
      'https://evil.example',
      'evil',
      '',
    ]) {
      expect(safeNext(next), JSON.stringify(next)).toBeNull();
    }
  });

  it('adds a query and stays relative; answers a 303 that is not cached and sends no Referer', () => {
    expect(withQuery('/login?x=1', { error_code: 'otp_expired' })).toBe('/login?x=1&error_code=otp_expired');
    expect(withQuery('https://app.example/login', { a: 'b c' })).toBe('https://app.example/login?a=b+c');
    const response = seeOther('/home', ['a=1']);
    expect([
      response.status,
      response.headers.get('location'),
      response.headers.get('cache-control'),
      response.headers.get('referrer-policy'),
    ]).toEqual([303, '/home', 'private, no-store', 'no-referrer']);
    expect(response.headers.getSetCookie()).toEqual(['a=1']);
  });
});
