/**
 * Signing-key rotation: standby → current → previous → retired, never signing with a key that
 * has not been published for the publish delay, and never breaking a token that is still valid.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, refresh, signUp } from '../helpers.js';

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid as string;
const jwksKids = async (s: TestServer) =>
  ((await (await fetch(`${s.authUrl}/.well-known/jwks.json`)).json()).keys as { kid: string }[]).map((k) => k.kid);
const admin = (s: TestServer, method: string, path: string, body?: unknown) => call(s.authUrl, method, path, { token: s.secretKey, body });

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.reverse()) await s.close();
  servers = [];
});
async function start(options: Parameters<typeof startTestServer>[0] = {}) {
  const s = await startTestServer(options);
  servers.push(s);
  return s;
}

describe('signing-key lifecycle', () => {
  it('a fresh server publishes its current key and a standby', async () => {
    const server = await start();
    const keys = (await admin(server, 'GET', '/admin/keys')).body.keys;
    expect(keys.map((k: { state: string }) => k.state).sort()).toEqual(['current', 'standby']);
    expect((await jwksKids(server)).sort()).toEqual(keys.map((k: { kid: string }) => k.kid).sort());
    expect(JSON.stringify(keys)).not.toMatch(/private|"d"/);
  });

  it('rotate: refused before the publish delay; then the standby signs and the old key stays published', async () => {
    const server = await start({ config: { keyPublishDelay: 900, jwtExp: 3600 } });
    const before = await signUp(server);
    const oldKid = kidOf(before.access_token);
    const early = await admin(server, 'POST', '/admin/keys/rotate', {});
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('key_not_ready');
    // The listing says when rotate stops being refused (the console shows why before a click).
    const listed = (await admin(server, 'GET', '/admin/keys')).body;
    const standby = listed.keys.find((k: { state: string }) => k.state === 'standby');
    expect(Date.parse(standby.ready_at) - Date.parse(standby.state_since)).toBe(900_000);
    expect(listed.now).toBe(new Date(server.clock()).toISOString());

    server.clock.advance(900_000);
    const rotated = await admin(server, 'POST', '/admin/keys/rotate', {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.previous).toBe(oldKid);
    const after = await signUp(server);
    expect(kidOf(after.access_token)).toBe(rotated.body.current);
    expect(await jwksKids(server)).toEqual(expect.arrayContaining([oldKid, rotated.body.current, rotated.body.standby]));
    // A token signed before the rotation is still good, and its session refreshes with the new key.
    expect((await call(server.authUrl, 'GET', '/user', { token: before.access_token })).status).toBe(200);
    const refreshed = await refresh(server.authUrl, before.refresh_token);
    expect(kidOf(refreshed.body.access_token)).toBe(rotated.body.current);
  });

  it('force rotates at once', async () => {
    const server = await start();
    expect((await admin(server, 'POST', '/admin/keys/rotate', { force: true })).status).toBe(200);
  });

  it('retire: only a previous key, only after its tokens expired; then it leaves the JWKS', async () => {
    const server = await start({ config: { keyPublishDelay: 0, jwtExp: 600 } });
    const { body } = await admin(server, 'POST', '/admin/keys/rotate', {});
    const current = await admin(server, 'POST', `/admin/keys/${body.current}/retire`, {});
    expect(current.status).toBe(409);
    const early = await admin(server, 'POST', `/admin/keys/${body.previous}/retire`, {});
    expect(early.status).toBe(409);
    const previous = (await admin(server, 'GET', '/admin/keys')).body.keys.find((k: { kid: string }) => k.kid === body.previous);
    expect(Date.parse(previous.ready_at) - Date.parse(previous.state_since)).toBe(600_000);
    expect(early.body.message).toMatch(/may be valid/);
    server.clock.advance(600_000);
    expect((await admin(server, 'POST', `/admin/keys/${body.previous}/retire`, {})).status).toBe(200);
    expect(await jwksKids(server)).not.toContain(body.previous);
    expect((await admin(server, 'POST', '/admin/keys/nope/retire', {})).status).toBe(404);
  });

  it.each(databaseCases(testDatabases()))(
    'retire: a kid that cannot be one (a NUL, anything not a thumbprint) is 404 key_not_found, not a database error (%s)',
    async (_name, database) => {
      const server = await start({ database });
      for (const kid of ['%00', 'a%00b', 'x'.repeat(43), 'not-a-kid']) {
        const reply = await admin(server, 'POST', `/admin/keys/${kid}/retire`, { force: true });
        expect(reply.status, kid).toBe(404);
        expect(reply.body.code).toBe('key_not_found');
      }
    },
  );

  it('import a PEM or JWK private key as the standby; refuse anything else', async () => {
    const server = await start({ config: { keyPublishDelay: 0 } });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const imported = await admin(server, 'POST', '/admin/keys/import', { key: pem });
    expect(imported.status).toBe(200);
    expect(await jwksKids(server)).toContain(imported.body.standby);
    const rotated = await admin(server, 'POST', '/admin/keys/rotate', {});
    expect(rotated.body.current).toBe(imported.body.standby);
    expect(kidOf((await signUp(server)).access_token)).toBe(imported.body.standby);

    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    expect((await admin(server, 'POST', '/admin/keys/import', { key: JSON.stringify(jwk) })).status).toBe(200);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const key of [rsa, 'not a key', '{"kty":"EC"}']) {
      const refused = await admin(server, 'POST', '/admin/keys/import', { key });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('invalid_key');
    }
  });

  it('the private key is stored encrypted, never in the clear', async () => {
    const server = await start();
    const rows = await server.app.db.query<{ private_key: string }>('SELECT private_key FROM signing_keys');
    for (const row of rows) {
      expect(row.private_key).toMatch(/^v1\./);
      expect(row.private_key).not.toContain('PRIVATE KEY');
    }
  });
});

const postgres = testDatabases().find((d) => d.startsWith('postgres'));
describe.skipIf(!postgres)('rotation across processes on one Postgres', () => {
  it('another process picks up the new current key on its next reload', async () => {
    const a = await start({ database: postgres, config: { keyPublishDelay: 0, issuer: 'http://fleet/auth/v1' } });
    const b = await start({ database: postgres, schema: a.schema, config: { keyPublishDelay: 0, issuer: 'http://fleet/auth/v1' } });
    const rotated = await admin(a, 'POST', '/admin/keys/rotate', {});
    await b.app.reloadKeys();
    expect(kidOf((await signUp(b)).access_token)).toBe(rotated.body.current);
    expect(await jwksKids(b)).toContain(rotated.body.standby);
  });
});
