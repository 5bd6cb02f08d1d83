import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { requireAuth } from '../src/fastify.js';
import { middlewareContract } from './support/middleware-contract.js';

middlewareContract('Fastify', async (routes) => {
  const app = Fastify({ logger: false });
  for (const route of routes) {
    app.get(route.path, { preHandler: requireAuth(route.verifier, route.options) }, async (request) => ({
      sub: request.auth?.sub,
      role: request.auth?.role,
    }));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
});

describe('requireAuth (Fastify)', () => {
  it('works as a scope-wide preHandler hook with a decorated request', async () => {
    const app = Fastify({ logger: false });
    app.decorateRequest('auth', undefined);
    const verifier = { verify: async () => ({ sub: 'u1', role: 'authenticated' }) } as never;
    app.register(async (scope) => {
      scope.addHook('preHandler', requireAuth(verifier));
      scope.get('/inside', async (request) => ({ sub: request.auth?.sub }));
    });
    app.get('/outside', async (request) => ({ sub: request.auth?.sub ?? null }));
    const inside = await app.inject({ url: '/inside', headers: { authorization: 'Bearer t' } });
    expect(inside.json()).toEqual({ sub: 'u1' });
    expect((await app.inject({ url: '/inside' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/outside' })).json()).toEqual({ sub: null });
    await app.close();
  });
});
