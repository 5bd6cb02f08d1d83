#!/usr/bin/env node
/**
 * The peer: node-oidc-provider (v9) as a refresh-token-rotation server.
 *
 *   - `rotateRefreshToken: true`: every refresh consumes the presented token and issues a new one;
 *   - access tokens are JWTs signed ES256 (resource indicators, `accessTokenFormat: 'jwt'`), the
 *     same algorithm Latchkey signs with; no ID token (no `openid` scope), so one signature each;
 *   - a public client (`token_endpoint_auth_method: 'none'`), so no client-secret check either;
 *   - storage: `--adapter postgres` (bench/peers/oidc-postgres-adapter.mjs, pool of `--pool`
 *     connections) or `--adapter memory` (its built-in MemoryAdapter, no database at all, on an
 *     LRU of 2,000,000 entries instead of its default 1,000, which evicts live grants).
 *
 * Grants and refresh tokens are created programmatically (provider.Grant, provider.RefreshToken),
 * so no interactive login is needed. `findAccount` answers from memory (no database read), which
 * favours the peer: Latchkey reads the user in its rotation statement.
 *
 * Started with fork(): `node bench/peers/oidc.mjs --adapter postgres --schema S --pool 16`; IPC
 * protocol as bench/peers/naive.mjs ({ type: 'ready', url }, seed → seeded).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
import pg from 'pg';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { createPostgresAdapter } from './oidc-postgres-adapter.mjs';

const { values } = parseArgs({
  options: {
    adapter: { type: 'string', default: 'postgres' },
    schema: { type: 'string' },
    pool: { type: 'string', default: '16' },
    database: { type: 'string' },
  },
});
const database = values.database ?? process.env.LATCHKEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let adapter;
let pool;
if (values.adapter === 'postgres') {
  if (!/^[a-z_][a-z0-9_]*$/.test(values.schema ?? '')) throw new Error('--schema <name> required with --adapter postgres');
  pool = new pg.Pool({ connectionString: database, max: Number(values.pool), options: `-c search_path=${values.schema}` });
  pool.on('error', () => {});
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${values.schema}`);
  adapter = await createPostgresAdapter({ pool });
} else if (values.adapter === 'memory') {
  // Its own MemoryAdapter, on a larger LRU: the default 1,000 entries evict live grants once a
  // few hundred sessions rotate (each refresh touches ~4 keys), which fails refreshes.
  const store = new LRU({ maxSize: 2_000_000 });
  adapter = (model) => new MemoryAdapter(model, store, 0);
} else {
  throw new Error('--adapter postgres | memory');
}

const RESOURCE = 'https://api.bench.invalid';
const CLIENT_ID = 'bench';
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const provider = new Provider('http://oidc.bench.invalid', {
  ...(adapter ? { adapter } : {}),
  clients: [
    {
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['https://client.bench.invalid/cb'],
    },
  ],
  jwks: { keys: [{ ...signingKey, kid: randomUUID(), alg: 'ES256', use: 'sig' }] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  rotateRefreshToken: true,
  cookies: { keys: ['bench-cookie-key-not-a-secret'] },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: RESOURCE,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  ttl: {
    AccessToken: 3600,
    RefreshToken: 30 * 24 * 3600,
    Grant: 30 * 24 * 3600,
    Session: 30 * 24 * 3600,
    Interaction: 3600,
    AuthorizationCode: 60,
  },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
});
provider.on('server_error', (_ctx, error) => console.error('oidc server_error', error));

async function seed(count) {
  const client = await provider.Client.find(CLIENT_ID);
  const tokens = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const accountId = randomUUID();
        const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
        grant.addResourceScope(RESOURCE, 'api');
        const grantId = await grant.save();
        const rt = new provider.RefreshToken({
          accountId,
          client,
          grantId,
          gty: 'authorization_code',
          scope: 'api',
          resource: RESOURCE,
          authTime: Math.floor(Date.now() / 1000),
        });
        tokens[i] = await rt.save();
      }
    }),
  );
  return tokens;
}

const handler = provider.callback();
const server = createServer(handler);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });
});
process.on('message', async (msg) => {
  if (msg.type === 'seed') process.send({ type: 'seeded', tokens: await seed(msg.count) });
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  (pool ? pool.end() : Promise.resolve()).finally(() => process.exit(0));
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
