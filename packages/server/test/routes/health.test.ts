/**
 * Issue #12: /health answers HEAD (load balancers send it) and reports the database down within
 * LATCHKEY_DB_TIMEOUT_MS, even when the database's host silently stops answering (a network
 * black hole: no reset, no refusal, nothing). The Postgres behind the proxy is real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { call, refresh, signUp } from '../helpers.js';

describe('health', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('HEAD /health: 200 with no body', async () => {
    for (const path of ['/health', '/auth/v1/health']) {
      const res = await fetch(`${server.url}${path}`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    }
  });

  it('HEAD on a POST-only route is still 405', async () => {
    expect((await fetch(`${server.authUrl}/signup`, { method: 'HEAD' })).status).toBe(405);
  });
});

const postgres = testDatabases().find((d) => d.startsWith('postgres'));

describe.runIf(postgres)('a database behind a black hole', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  beforeAll(async () => {
    const url = new URL(postgres as string);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    server = await startTestServer({ database: url.toString(), config: { dbTimeoutMs: 500 } });
  });
  afterAll(async () => {
    proxy?.restore();
    await server?.close();
    await proxy?.close();
  });

  it('health and refreshes answer 503 with Retry-After within the timeout, then recover', async () => {
    const session = await signUp(server);
    proxy.blackHole();
    const started = Date.now();
    const [health, head, rotated] = await Promise.all([
      call(server.authUrl, 'GET', '/health'),
      fetch(`${server.authUrl}/health`, { method: 'HEAD' }),
      refresh(server.authUrl, session.refresh_token),
    ]);
    const took = Date.now() - started;
    expect([health.status, health.body.code, health.headers.get('retry-after')]).toEqual([503, 'service_unavailable', '1']);
    expect(head.status).toBe(503);
    expect([rotated.status, rotated.body.code]).toEqual([503, 'service_unavailable']);
    // Bounded: the timeout plus the client-side margin, not TCP's minutes (a generous bound).
    expect(took).toBeLessThan(10_000);

    proxy.restore();
    // The pool dropped the connections that timed out; new ones reach the database again.
    let recovered = await call(server.authUrl, 'GET', '/health');
    for (let i = 0; i < 20 && recovered.status !== 200; i++) recovered = await call(server.authUrl, 'GET', '/health');
    expect(recovered.status).toBe(200);
    // The refresh that answered 503 never committed, or did: either way its token still works.
    expect((await refresh(server.authUrl, session.refresh_token)).status).toBe(200);
  });
});
