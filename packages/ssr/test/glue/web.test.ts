/** webCookies: reading a Web Request's cookies, collecting Set-Cookie for the Response, and the request headers to pass on. */
import { describe, expect, it } from 'vitest';
import { webCookies } from '../../src/index.js';

const attributes = { path: '/', maxAge: 60, sameSite: 'lax' as const, secure: true, httpOnly: true };

describe('webCookies', () => {
  it('gives the request’s cookies, decoded, and says whether it came over https', () => {
    const cookies = webCookies(new Request('https://app.example/', { headers: { cookie: 'a=1; b=x%20y' } }));
    expect(cookies.getAll()).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'x y' },
    ]);
    expect(cookies.secure).toBe(true);
    expect(webCookies(new Request('http://localhost:3000/')).secure).toBe(false);
  });

  it('collects what is set, in order, and appends it to a response', async () => {
    const cookies = webCookies(new Request('https://app.example/'));
    await cookies.setAll([
      { name: 'a', value: 'x y', options: attributes },
      { name: 'b', value: '', options: { ...attributes, maxAge: 0 } },
    ]);
    expect(cookies.setCookieHeaders()).toEqual([
      'a=x%20y; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax',
      'b=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax',
    ]);
    const response = new Response('ok', { headers: { 'set-cookie': 'theme=dark' } });
    expect(cookies.applyTo(response)).toBe(response);
    expect(response.headers.getSetCookie()).toHaveLength(3);
  });

  it('copies a response whose headers are immutable (a redirect) instead of failing', async () => {
    const cookies = webCookies(new Request('https://app.example/'));
    await cookies.setAll([{ name: 'a', value: '1', options: attributes }]);
    const redirect = cookies.applyTo(Response.redirect('https://app.example/login', 307));
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe('https://app.example/login');
    expect(redirect.headers.getSetCookie()).toEqual(['a=1; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax']);
  });

  it('passes the request on with its Cookie header updated: written cookies replace, deleted ones go', async () => {
    const cookies = webCookies(new Request('https://app.example/', { headers: { cookie: 'keep=1; old=2; gone=3', 'x-other': 'y' } }));
    await cookies.setAll([
      { name: 'old', value: 'new value', options: attributes },
      { name: 'gone', value: '', options: { ...attributes, maxAge: 0 } },
    ]);
    const headers = cookies.requestHeaders();
    expect(headers.get('cookie')).toBe('keep=1; old=new%20value');
    expect(headers.get('x-other')).toBe('y');
    expect(cookies.getAll()).toEqual([
      { name: 'keep', value: '1' },
      { name: 'old', value: 'new value' },
    ]);
  });
});
