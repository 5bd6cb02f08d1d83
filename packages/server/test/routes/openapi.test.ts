/** /openapi.json is generated from the route table, so it lists exactly what the server serves. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROUTES } from '../../src/routes/index.js';
import { startTestServer, type TestServer } from '../../src/testing.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

it('documents every route, and every documented operation is served', async () => {
  const doc = await (await fetch(`${server.authUrl}/openapi.json`)).json();
  expect(doc.openapi).toBe('3.1.0');
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  const declared = ROUTES.map((r) => `${r.method} ${r.path.replace(/:([a-z]+)/g, '{$1}')}`);
  expect(documented.sort()).toEqual(declared.sort());
  for (const op of documented) {
    const [method, path] = op.split(' ') as [string, string];
    const concrete = path.replace(/\{[a-z]+\}/g, '00000000-0000-4000-8000-000000000000');
    const res = await fetch(`${server.authUrl}${concrete}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : '{}',
      // The provider flows answer with redirects to the app (GET /callback): routed, not to be followed.
      redirect: 'manual',
    });
    // Served means routed: whatever the answer (401, 400, 404 user_not_found…), not the router's not_found.
    const body = res.status === 204 || res.headers.get('content-type')?.includes('text/plain') ? {} : await res.json().catch(() => ({}));
    expect([body.code, body.error_code]).not.toContain('not_found');
  }
});

it('describes request bodies from the same schemas the router validates with', async () => {
  const doc = await (await fetch(`${server.authUrl}/openapi.json`)).json();
  const signup = doc.paths['/signup'].post.requestBody.content['application/json'].schema;
  // Without an email, /signup is an anonymous sign-in (refused with its own code), so none is required.
  expect(Object.keys(signup.properties)).toEqual(expect.arrayContaining(['email', 'password', 'data']));
  const createUser = doc.paths['/admin/users'].post.requestBody.content['application/json'].schema;
  expect(createUser.required).toEqual(['email']);
  expect(createUser.properties.user_metadata.type).toBe('object');
  // The secret key, or the console's cookie with its CSRF header.
  expect(doc.paths['/admin/users'].get.security).toEqual([{ secretKey: [] }, { consoleCookie: [], consoleCsrf: [] }]);
  expect(doc.components.securitySchemes.consoleCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'latchkey_console' });
});
