/** Prometheus metrics: protected, and counting what an operator watches. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp, uniqueEmail } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { rateLimits: true } });
});
afterAll(() => server?.close());

const scrape = async () => {
  const res = await fetch(`${server.authUrl}/metrics`, { headers: { authorization: `Bearer ${server.secretKey}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};
const value = (text: string, series: string) =>
  Number(new RegExp(`^${series.replace(/[{}"()[\]]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

it('is refused without the secret key', async () => {
  expect((await fetch(`${server.authUrl}/metrics`)).status).toBe(401);
  const { access_token } = await signUp(server);
  expect((await fetch(`${server.authUrl}/metrics`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(403);
});

it('counts requests by route, refreshes by outcome, reuse, sign-in failures, rate-limit hits', async () => {
  const session = await signUp(server);
  await Promise.all([refresh(server.authUrl, session.refresh_token), refresh(server.authUrl, session.refresh_token)]);
  server.clock.advance(11_000);
  await refresh(server.authUrl, session.refresh_token);
  const email = uniqueEmail();
  for (let i = 0; i < 11; i++)
    await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'not it at all' } });

  const text = await scrape();
  expect(value(text, 'latchkey_refreshes_total{outcome="rotated"}')).toBe(1);
  expect(value(text, 'latchkey_refreshes_total{outcome="replayed"}')).toBe(1);
  expect(value(text, 'latchkey_refresh_token_reuse_detected_total')).toBe(1);
  expect(value(text, 'latchkey_sign_in_failures_total')).toBe(10);
  expect(value(text, 'latchkey_rate_limit_hits_total{rule="passwordFailuresPerAccount"}')).toBe(1);
  expect(value(text, 'latchkey_http_requests_total{route="POST /token",status="200"}')).toBe(2);
  expect(text).toContain('latchkey_http_request_duration_seconds_bucket{route="POST /token",le="+Inf"}');
  expect(text).toContain('latchkey_db_pool_connections');
});
