import { describe, expect, it } from 'vitest';
import { withAuth } from '../src/web.js';
import { middlewareContract } from './support/middleware-contract.js';
import { serveFetch } from './support/serve-fetch.js';

middlewareContract('Web Request', async (routes) => {
  const handlers = new Map(
    routes.map((route) => [
      route.path,
      withAuth(route.verifier, (_request, auth) => Response.json({ sub: auth.sub, role: auth.role }), route.options),
    ]),
  );
  return serveFetch(async (request) => {
    const handler = handlers.get(new URL(request.url).pathname);
    return handler ? handler(request) : new Response('not found', { status: 404 });
  });
});

describe('withAuth', () => {
  it('passes the arguments after the request through (e.g. a Next.js route context)', async () => {
    const verifier = { verify: async () => ({ sub: 'u1' }) } as never;
    const handler = withAuth(verifier, (_request, auth, context: { params: { id: string } }) =>
      Response.json({ sub: auth.sub, id: context.params.id }),
    );
    const res = await handler(new Request('http://x/items/7', { headers: { authorization: 'Bearer t' } }), { params: { id: '7' } });
    expect(await res.json()).toEqual({ sub: 'u1', id: '7' });
  });

  it('does not run the handler when the request is refused', async () => {
    let ran = false;
    const verifier = { verify: async () => ({ sub: 'u1' }) } as never;
    const res = await withAuth(verifier, () => {
      ran = true;
      return new Response('secret');
    })(new Request('http://x/'));
    expect(res.status).toBe(401);
    expect(ran).toBe(false);
  });
});
