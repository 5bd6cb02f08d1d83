/**
 * Rate limits are on by default: password guessing is throttled per IP and per account without
 * touching the owner's existing sessions, and a burst of parallel refreshes is never refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp, uniqueEmail } from '../helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const signIn = (s: TestServer, email: string, password: string) =>
  call(s.authUrl, 'POST', '/token?grant_type=password', { body: { email, password } });

describe('default rate limits', () => {
  it('password guessing on one account is throttled; the owner keeps refreshing their session', async () => {
    server = await startTestServer({ config: { rateLimits: true } });
    const email = uniqueEmail();
    const owner = await signUp(server, email);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signIn(server, email, `wrong guess ${i}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await signIn(server, email, 'correct horse battery');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('over_request_rate_limit');
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // Guessing must not lock out the owner's existing sessions.
    expect((await refresh(server.authUrl, owner.refresh_token)).status).toBe(200);
    // The budget refills with time.
    server.clock.advance(15 * 60_000);
    expect((await signIn(server, email, 'correct horse battery')).status).toBe(200);
  });

  it('password attempts per IP are throttled across accounts', async () => {
    server = await startTestServer({ config: { rateLimits: true } });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await signIn(server, uniqueEmail(), 'some password')).status);
    expect(statuses.filter((s) => s === 400)).toHaveLength(30);
    expect(statuses[30]).toBe(429);
  });

  it('100 parallel refreshes of one session are never refused', async () => {
    server = await startTestServer({ config: { rateLimits: true } });
    const session = await signUp(server);
    const replies = await Promise.all(Array.from({ length: 100 }, () => refresh(server!.authUrl, session.refresh_token)));
    expect(replies.map((r) => r.status)).toEqual(Array(100).fill(200));
  });

  it('a flood of forged refresh tokens from one address never throttles genuine refreshes (an SSR/BFF host)', async () => {
    server = await startTestServer({ config: { rateLimits: true } });
    const session = await signUp(server);
    const junk = await Promise.all(Array.from({ length: 1001 }, (_, i) => refresh(server!.authUrl, `forged-${i}`)));
    expect(junk.filter((r) => r.status === 429)).toHaveLength(1);
    expect((await refresh(server.authUrl, session.refresh_token)).status).toBe(200);
  });

  it('genuine refreshes are limited per session, far above a burst of 100', async () => {
    server = await startTestServer({ config: { rateLimits: true } });
    const session = await signUp(server);
    const statuses: number[] = [];
    for (let i = 0; i < 301; i++) statuses.push((await refresh(server.authUrl, session.refresh_token)).status);
    expect(statuses.slice(0, 300).every((s) => s === 200)).toBe(true);
    expect(statuses[300]).toBe(429);
    // Another session of the same IP is unaffected.
    expect((await refresh(server.authUrl, (await signUp(server)).refresh_token)).status).toBe(200);
  });

  it('sign-ups per IP are throttled', async () => {
    server = await startTestServer({ config: { rateLimits: true } });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++)
      statuses.push((await call(server.authUrl, 'POST', '/signup', { body: { email: uniqueEmail(), password: 'x' } })).status);
    // Weak passwords fail after the limiter took its token: the 31st is refused before validation of the password.
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(422));
    expect(statuses[30]).toBe(429);
  });
});
