/**
 * A BFF process for the multi-process tests: the token handler from the built package
 * (`@latchkey/ssr/bff`, dist), on Redis or Postgres, with one API route that proxies to the auth
 * server's `GET /user` with the session's access token (an API that checks the token).
 *
 * Environment: AUTH_URL, APP_ORIGIN, BFF_STORE (redis | postgres), REDIS_URL + BFF_PREFIX, or
 * PG_URL + BFF_TABLE + BFF_SEQUENCE, BFF_LOCK_TTL (ms), and optionally BFF_REFRESH_MARGIN (ms) and
 * API_URL (default AUTH_URL).
 * Prints "BFF listening on <url>" once ready.
 */
import http from 'node:http';
import { createTokenHandler, nodeHandler, postgresLock, postgresStore, redisLock, redisStore } from '@latchkey/ssr/bff';
import { connectRedis } from './redis.mjs';

const env = process.env;
const ttl = Number(env.BFF_LOCK_TTL ?? 8000);
let store;
let lock;
if (env.BFF_STORE === 'redis') {
  const redis = await connectRedis(env.REDIS_URL);
  store = redisStore(redis, { prefix: env.BFF_PREFIX });
  lock = redisLock(redis, { prefix: env.BFF_PREFIX, ttl });
} else {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: env.PG_URL, max: 10 });
  store = postgresStore(pool, { table: env.BFF_TABLE });
  lock = postgresLock(pool, { ttl, sequence: env.BFF_SEQUENCE });
}

const bff = createTokenHandler({
  authUrl: env.AUTH_URL,
  store,
  lock,
  origins: [env.APP_ORIGIN],
  refreshMargin: env.BFF_REFRESH_MARGIN ? Number(env.BFF_REFRESH_MARGIN) : undefined,
});
const routes = nodeHandler(bff);
const apiUrl = env.API_URL ?? env.AUTH_URL;

const server = http.createServer(async (req, res) => {
  if (req.url === '/api/me') {
    const { data, error } = await bff.getAccessToken(req);
    // A 5xx is a failure of this process or its services: leave a trace for the test's output.
    if (error && error.status >= 500) console.error(`BFF ${error.code}:`, error.cause ?? '');
    if (error) return void res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: error.code }));
    const upstream = await fetch(`${apiUrl}/user`, {
      headers: { authorization: `Bearer ${data.accessToken}`, 'x-supabase-api-version': '2024-01-01' },
    });
    return void res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  }
  return routes(req, res);
});
server.listen(0, '127.0.0.1', () => console.log(`BFF listening on http://127.0.0.1:${server.address().port}`));
