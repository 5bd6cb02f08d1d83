#!/usr/bin/env node
/**
 * A ceiling, not a peer: a node:http server that answers every refresh with a fresh random token
 * and an ES256-signed access token (same claims and response shape as Latchkey), storing
 * nothing and checking nothing. What one Node process can do per second on this machine with
 * this load generator when the only work is HTTP, JSON and one ECDSA signature.
 *
 * Started with fork(); IPC as bench/peers/naive.mjs (seed returns random tokens).
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: randomUUID(), typ: 'JWT' })).toString('base64url');
const EXP = 3600;
const userId = randomUUID();
const sessionId = randomUUID();
const created = new Date().toISOString();
const email = `ceiling-${userId}@example.com`;

function respond(res) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'http://ceiling.invalid/auth/v1',
    sub: userId,
    aud: 'authenticated',
    exp: iat + EXP,
    iat,
    email,
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: iat }],
    session_id: sessionId,
    is_anonymous: false,
  };
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const access_token = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  const user = {
    id: userId,
    aud: 'authenticated',
    role: 'authenticated',
    email,
    email_confirmed_at: created,
    phone: '',
    confirmed_at: created,
    last_sign_in_at: created,
    app_metadata: claims.app_metadata,
    user_metadata: {},
    identities: [
      {
        identity_id: userId,
        id: userId,
        user_id: userId,
        identity_data: { email, email_verified: true, phone_verified: false, sub: userId },
        provider: 'email',
        last_sign_in_at: created,
        created_at: created,
        updated_at: created,
        email,
      },
    ],
    created_at: created,
    updated_at: created,
    is_anonymous: false,
  };
  const payload = JSON.stringify({
    access_token,
    token_type: 'bearer',
    expires_in: EXP,
    expires_at: iat + EXP,
    refresh_token: randomBytes(32).toString('base64url'),
    user,
  });
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

const server = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-length': 2 });
    return res.end('{}');
  }
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    if (typeof JSON.parse(text).refresh_token !== 'string') throw new Error();
  } catch {
    res.writeHead(400, { 'content-length': 2 });
    return res.end('{}');
  }
  respond(res);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` }));
process.on('message', (msg) => {
  if (msg.type === 'seed')
    process.send({ type: 'seeded', tokens: Array.from({ length: msg.count }, () => randomBytes(32).toString('base64url')) });
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
