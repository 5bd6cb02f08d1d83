/** Regression (security review): a response that sets session cookies must never be stored by a shared cache. */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { nodeCookies, webCookies } from '../../src/index.js';

const cookie = {
  name: 'latchkey-auth-token',
  value: 'v',
  options: { path: '/', sameSite: 'lax' as const, httpOnly: true, secure: true, maxAge: 3600 },
};

it('web: applyTo marks a response that sets cookies private, no-store; leaves others alone', () => {
  const jar = webCookies(new Request('https://app.example/'));
  expect(jar.applyTo(new Response('x', { headers: { 'cache-control': 'public, max-age=60' } })).headers.get('cache-control')).toBe(
    'public, max-age=60',
  );
  jar.setAll([cookie]);
  const response = jar.applyTo(new Response('x', { headers: { 'cache-control': 'public, max-age=60' } }));
  expect(response.headers.get('cache-control')).toBe('private, no-store');
  expect(response.headers.get('set-cookie')).toContain('latchkey-auth-token=v');
});

it('node: setAll marks the response private, no-store', async () => {
  const server = createServer((req, res) => {
    nodeCookies(req, res, { secure: true }).setAll([cookie]);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
    httpRequest({ port, host: '127.0.0.1', path: '/' }, (res) => {
      res.resume();
      resolve(res.headers);
    })
      .on('error', reject)
      .end();
  });
  server.close();
  expect(headers['cache-control']).toBe('private, no-store');
});
