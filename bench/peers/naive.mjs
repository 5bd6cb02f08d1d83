#!/usr/bin/env node
/**
 * The naive baseline: refresh-token rotation written the way it usually is — read, check, write.
 *
 *   SELECT the token row by SHA-256(token) (joined with its user, for the claims)
 *   → revoked? 400 : UPDATE it revoked → INSERT a new random token → sign an ES256 JWT
 *
 * Same engineering care as Latchkey where it does not change the algorithm: node:http, a pg pool
 * of the same size, named prepared statements, the signing key imported once, the same claims
 * and response shape. What it lacks on purpose is atomicity: nothing stops two requests that
 * both read "not revoked" from both issuing a successor (the race of Keycloak
 * GHSA-m2w5-7xhv-w6fh and Hydra #3604), which bench/refresh.mjs demonstrates.
 *
 * Started by the benchmarks with fork(): `node bench/peers/naive.mjs --schema S --pool 16`;
 * replies on IPC: { type: 'ready', url }, and to { type: 'seed', count } with { type: 'seeded', tokens }.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: { schema: { type: 'string' }, pool: { type: 'string', default: '16' }, database: { type: 'string' } },
});
const database = values.database ?? process.env.LATCHKEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = values.schema;
if (!/^[a-z_][a-z0-9_]*$/.test(schema ?? '')) throw new Error('--schema <name> required');

const pool = new pg.Pool({ connectionString: database, max: Number(values.pool), options: `-c search_path=${schema}` });
pool.on('error', () => {});
await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
await pool.query(`
  CREATE TABLE IF NOT EXISTS users (
    id uuid PRIMARY KEY, aud text NOT NULL DEFAULT 'authenticated', role text NOT NULL DEFAULT 'authenticated',
    email text, phone text, raw_app_meta_data jsonb NOT NULL DEFAULT '{"provider":"email","providers":["email"]}',
    raw_user_meta_data jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash bytea PRIMARY KEY, session_id uuid NOT NULL, user_id uuid NOT NULL REFERENCES users(id),
    parent bytea, revoked boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS refresh_tokens_parent ON refresh_tokens (parent);`);

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = randomUUID();
const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' })).toString('base64url');
const issuer = 'http://naive.invalid/auth/v1';
const EXP = 3600;

const hash = (token) => createHash('sha256').update(token).digest();
const newToken = () => randomBytes(32).toString('base64url');

function signJwt(claims) {
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function send(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

async function refresh(token) {
  const presented = hash(token);
  // 1. Read.
  const { rows } = await pool.query({
    name: 'naive_find',
    text: `SELECT t.session_id, t.revoked, u.id, u.aud, u.role, u.email, u.phone, u.raw_app_meta_data, u.raw_user_meta_data, u.created_at
             FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
    values: [presented],
  });
  const row = rows[0];
  if (!row) return [400, { error_code: 'refresh_token_not_found' }];
  // 2. Check. (The race: every request that gets here before the UPDATE below commits passes.)
  if (row.revoked) return [400, { error_code: 'refresh_token_already_used' }];
  // 3. Write: revoke the old token, store the new one.
  await pool.query({ name: 'naive_revoke', text: 'UPDATE refresh_tokens SET revoked = true WHERE token_hash = $1', values: [presented] });
  const successor = newToken();
  await pool.query({
    name: 'naive_insert',
    text: 'INSERT INTO refresh_tokens (token_hash, session_id, user_id, parent) VALUES ($1, $2, $3, $4)',
    values: [hash(successor), row.session_id, row.id, presented],
  });
  const iat = Math.floor(Date.now() / 1000);
  // The same user object Latchkey (GoTrue) answers with, so both serialize the same work.
  const created = row.created_at.toISOString();
  const user = {
    id: row.id,
    aud: row.aud,
    role: row.role,
    email: row.email ?? '',
    email_confirmed_at: created,
    phone: row.phone ?? '',
    confirmed_at: created,
    last_sign_in_at: created,
    app_metadata: row.raw_app_meta_data,
    user_metadata: row.raw_user_meta_data,
    identities: [
      {
        identity_id: row.id,
        id: row.id,
        user_id: row.id,
        identity_data: { email: row.email, email_verified: true, phone_verified: false, sub: row.id },
        provider: 'email',
        last_sign_in_at: created,
        created_at: created,
        updated_at: created,
        email: row.email,
      },
    ],
    created_at: created,
    updated_at: created,
    is_anonymous: false,
  };
  const access_token = signJwt({
    iss: issuer,
    sub: row.id,
    aud: row.aud,
    exp: iat + EXP,
    iat,
    email: user.email,
    phone: user.phone,
    app_metadata: row.raw_app_meta_data,
    user_metadata: row.raw_user_meta_data,
    role: row.role,
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: iat }],
    session_id: row.session_id,
    is_anonymous: false,
  });
  return [200, { access_token, token_type: 'bearer', expires_in: EXP, expires_at: iat + EXP, refresh_token: successor, user }];
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { ok: true });
    if (req.method !== 'POST' || req.url !== '/token?grant_type=refresh_token') return send(res, 404, { error_code: 'not_found' });
    let text = '';
    for await (const chunk of req) text += chunk;
    let token;
    try {
      token = JSON.parse(text).refresh_token;
    } catch {}
    if (typeof token !== 'string' || !token || token.length > 4096) return send(res, 400, { error_code: 'validation_failed' });
    const [status, body] = await refresh(token);
    send(res, status, body);
  } catch {
    if (!res.headersSent) send(res, 500, { error_code: 'unexpected_failure' });
  }
});
server.keepAliveTimeout = 65_000;

async function seed(count) {
  const tokens = [];
  for (let i = 0; i < count; i += 500) {
    const n = Math.min(500, count - i);
    const ids = Array.from({ length: n }, () => randomUUID());
    const batch = Array.from({ length: n }, () => newToken());
    await pool.query(
      `INSERT INTO users (id, email, raw_user_meta_data) SELECT id, 'naive-' || id || '@example.com', '{}'::jsonb FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    await pool.query(
      'INSERT INTO refresh_tokens (token_hash, session_id, user_id) SELECT h, gen_random_uuid(), u FROM unnest($1::bytea[], $2::uuid[]) AS x(h, u)',
      [batch.map(hash), ids],
    );
    tokens.push(...batch);
  }
  return tokens;
}

server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  process.send?.({ type: 'ready', url });
});
process.on('message', async (msg) => {
  if (msg.type === 'seed') process.send({ type: 'seeded', tokens: await seed(msg.count) });
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  pool.end().finally(() => process.exit(0));
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
