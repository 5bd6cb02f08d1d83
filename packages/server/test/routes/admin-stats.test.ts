/** GET /admin/stats: the Overview's series from the audit trail and this process's counts, bucketed by the server's clock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, refresh, signUp, uniqueEmail } from '../helpers.js';

describe.each(databaseCases(testDatabases()))('admin stats on %s', (_name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(() => server?.close());

  const stats = async (range: string) =>
    (await call(server.authUrl, 'GET', `/admin/stats?range=${range}`, { token: server.secretKey })).body;
  const sum = (series: number[]) => series.reduce((a, b) => a + b, 0);

  it('counts sign-ups, sign-ins, failures, refreshes, reuse; users and live sessions', async () => {
    const before = await stats('hour');
    const email = uniqueEmail();
    const session = await signUp(server, email);
    await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'wrong password' } });
    await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'correct horse battery' } });
    const rotated = await refresh(server.authUrl, session.refresh_token);
    expect((await refresh(server.authUrl, session.refresh_token)).status).toBe(200); // replayed within the interval
    server.clock.advance(11_000);
    expect((await refresh(server.authUrl, session.refresh_token)).status).toBe(400); // reuse
    expect(rotated.status).toBe(200);

    // The reuse is audited off the request's path (server.ts onReuse): wait for its entry.
    await expect.poll(async () => sum((await stats('hour')).series.reuse_detected) - sum(before.series.reuse_detected)).toBe(1);
    const after = await stats('hour');
    expect(after.series.sign_ups).toHaveLength(12);
    expect(after.step_seconds).toBe(300);
    const delta = (name: string) => sum(after.series[name]) - sum(before.series[name]);
    expect(delta('sign_ups')).toBe(1);
    expect(delta('sign_ins')).toBe(1);
    expect(delta('sign_in_failures')).toBe(1);
    expect(delta('refreshes_rotated')).toBe(1);
    expect(delta('refreshes_replayed')).toBe(1);
    expect(delta('reuse_detected')).toBe(1);
    // The newest bucket holds what just happened.
    expect(after.series.reuse_detected.at(-1)).toBeGreaterThanOrEqual(1);
    expect(after.users).toBe(before.users + 1);
    // The sign-up's session was revoked by the reuse; the password sign-in's lives.
    expect(after.live_sessions).toBe(before.live_sessions + 1);

    const week = await stats('week');
    expect(week.series.sign_ups).toHaveLength(28);
    expect(sum(week.series.reuse_detected)).toBeGreaterThanOrEqual(1);
    // Two hours later the hour's chart no longer shows it; the day's still does.
    server.clock.advance(2 * 3600_000);
    expect(sum((await stats('hour')).series.reuse_detected)).toBe(0);
    expect(sum((await stats('day')).series.reuse_detected)).toBeGreaterThanOrEqual(1);
  });

  it('an unknown range is a 400', async () => {
    expect((await call(server.authUrl, 'GET', '/admin/stats?range=year', { token: server.secretKey })).status).toBe(400);
  });
});
