import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { requireAuth } from '../src/express.js';
import { middlewareContract } from './support/middleware-contract.js';

middlewareContract('Express', async (routes) => {
  const app = express();
  // 'test': Express's final handler answers 500 without printing the (expected) error.
  app.set('env', 'test');
  for (const route of routes) {
    app.get(route.path, requireAuth(route.verifier, route.options), (req, res) => {
      res.json({ sub: req.auth?.sub, role: req.auth?.role });
    });
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});

describe('requireAuth (Express)', () => {
  it('refuses bad options when the middleware is created, not per request', () => {
    expect(() => requireAuth(undefined as never)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});
