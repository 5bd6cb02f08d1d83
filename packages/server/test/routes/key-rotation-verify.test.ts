/**
 * Key rotation as a verifier sees it (@latchkey/verify): a verifier holding a JWKS fetched before
 * the rotation verifies every token signed after it, because the new signing key was published
 * (as the standby) before it signed. A key that skipped the publish delay breaks such verifiers,
 * which is why `keys rotate` refuses to do that without --force.
 */
import { createVerifier, isVerifyError } from '@latchkey/verify';
import { afterEach, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call, signUp } from '../helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function cachedVerifier(s: TestServer) {
  // A verifier whose JWKS cache holds what the server published at this moment.
  const jwks = await (await fetch(`${s.authUrl}/.well-known/jwks.json`)).json();
  return createVerifier({ keys: jwks.keys, issuer: s.app.issuer, audience: 'authenticated', now: () => s.clock() });
}

it('a verifier with a JWKS cached before the rotation verifies tokens signed after it', async () => {
  server = await startTestServer({ config: { keyPublishDelay: 900 } });
  const verifier = await cachedVerifier(server);
  const before = await signUp(server);
  server.clock.advance(900_000);
  expect((await call(server.authUrl, 'POST', '/admin/keys/rotate', { token: server.secretKey, body: {} })).status).toBe(200);
  const after = await signUp(server);
  await expect(verifier.verify(before.access_token)).resolves.toMatchObject({ sub: before.user.id });
  await expect(verifier.verify(after.access_token)).resolves.toMatchObject({ sub: after.user.id });
});

it('a key that never sat out the publish delay (imported, then forced) is unknown to that verifier', async () => {
  server = await startTestServer({ config: { keyPublishDelay: 900 } });
  const verifier = await cachedVerifier(server);
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  await call(server.authUrl, 'POST', '/admin/keys/import', { token: server.secretKey, body: { key: pem } });
  // Without force the server refuses: the imported standby was published a moment ago.
  expect((await call(server.authUrl, 'POST', '/admin/keys/rotate', { token: server.secretKey, body: {} })).status).toBe(409);
  await call(server.authUrl, 'POST', '/admin/keys/rotate', { token: server.secretKey, body: { force: true } });
  const after = await signUp(server);
  const error = await verifier.verify(after.access_token).catch((e: unknown) => e);
  expect(isVerifyError(error) && error.code).toBe('unknown_key');
});
