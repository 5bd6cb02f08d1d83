import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { requireAuth, type AuthEnv } from '../src/hono.js';
import { middlewareContract } from './support/middleware-contract.js';
import { serveFetch } from './support/serve-fetch.js';

middlewareContract('Hono', async (routes) => {
  const app = new Hono<AuthEnv>();
  // Hono's error handling, without its default console.error of the (expected) predicate bug.
  app.onError((_error, c) => c.text('Internal Server Error', 500));
  for (const route of routes) {
    app.get(route.path, requireAuth(route.verifier, route.options), (c) => c.json({ sub: c.get('auth').sub, role: c.get('auth').role }));
  }
  return serveFetch(app.fetch);
});

describe('requireAuth (Hono)', () => {
  it('guards every route under a path with app.use', async () => {
    const app = new Hono<AuthEnv>();
    const verifier = { verify: async () => ({ sub: 'u1', role: 'authenticated' }) } as never;
    app.use('/api/*', requireAuth(verifier));
    app.get('/api/me', (c) => c.json({ sub: c.get('auth').sub }));
    app.get('/public', (c) => c.text('ok'));
    expect(await (await app.request('/api/me', { headers: { authorization: 'Bearer t' } })).json()).toEqual({ sub: 'u1' });
    expect((await app.request('/api/me')).status).toBe(401);
    expect((await app.request('/public')).status).toBe(200);
  });
});
