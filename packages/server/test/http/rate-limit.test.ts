/**
 * Rate limits are on by default: password guessing is throttled per IP and per account without
 * touching the owner's existing sessions, and a burst of parallel refreshes is never refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../src/errors.js';
import { addressKey, DEFAULT_MAX_KEYS, DEFAULT_RULES, RateLimiter, type RuleName } from '../../src/http/rate-limit.js';
import { createFakeClock, startTestServer, type TestServer } from '../../src/testing.js';
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

describe('per-IP limits key an IPv6 client by its /64', () => {
  it('addresses of one /64 share a budget; IPv4-mapped IPv6 is its IPv4 address', () => {
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::FFFF:c000:0207')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('64:ff9b::192.0.2.7')).toBe('64:ff9b:0:0::/64');
    expect(addressKey('unknown')).toBe('unknown');
  });

  it('over HTTP: 30 password attempts from 30 addresses of one /64, the 31st is refused; another /64 is not', async () => {
    server = await startTestServer({ config: { rateLimits: true, trustProxy: true } });
    const from = (address: string) =>
      call(server!.authUrl, 'POST', '/token?grant_type=password', {
        body: { email: uniqueEmail(), password: 'some password' },
        headers: { 'x-forwarded-for': address },
      });
    for (let i = 1; i <= 30; i++) expect((await from(`2001:db8:aa:bb:${i.toString(16)}::${i}`)).status).toBe(400);
    expect((await from('2001:db8:aa:bb:ffff::1')).status).toBe(429);
    expect((await from('2001:db8:aa:bc::1')).status).toBe(400);
  });

  it('over HTTP: an IPv4 client is one budget whether its address arrives mapped or not', async () => {
    server = await startTestServer({ config: { rateLimits: true, trustProxy: true } });
    const from = (address: string) =>
      call(server!.authUrl, 'POST', '/token?grant_type=password', {
        body: { email: uniqueEmail(), password: 'some password' },
        headers: { 'x-forwarded-for': address },
      });
    for (let i = 0; i < 30; i++) expect((await from(i % 2 ? '198.51.100.9' : '::ffff:198.51.100.9')).status).toBe(400);
    expect((await from('::ffff:198.51.100.9')).status).toBe(429);
    expect((await from('198.51.100.9')).status).toBe(429);
  });
});

describe('rate-limit state is bounded and a flood under one rule cannot reset another', () => {
  const refused = (limiter: RateLimiter, rule: RuleName, key: string) => {
    try {
      limiter.check(rule, key);
      return false;
    } catch (error) {
      if (isLatchkeyError(error) && error.code === 'over_request_rate_limit') return true;
      throw error;
    }
  };
  const rules = (overrides: Partial<Record<RuleName, { maxKeys: number }>>) =>
    Object.fromEntries(
      Object.entries(DEFAULT_RULES).map(([name, rule]) => [name, { ...rule, ...overrides[name as RuleName] }]),
    ) as typeof DEFAULT_RULES;

  it('a flood from fresh addresses does not evict (and so reset) the failure count of an account', () => {
    const clock = createFakeClock();
    const limiter = new RateLimiter(clock, true);
    for (let i = 0; i < 10; i++) limiter.record('passwordFailuresPerAccount', 'victim@example.com');
    expect(refused(limiter, 'passwordFailuresPerAccount', 'victim@example.com')).toBe(true);
    for (let i = 0; i <= DEFAULT_MAX_KEYS; i++) limiter.take('refreshPerIp', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(refused(limiter, 'passwordFailuresPerAccount', 'victim@example.com')).toBe(true);
    // Each rule's table stays within its bound.
    expect(limiter.size('refreshPerIp')).toBe(DEFAULT_MAX_KEYS);
  });

  it('under a flood of other accounts, refilled counters go first and a recently written one stays', () => {
    const clock = createFakeClock();
    const limiter = new RateLimiter(clock, true, rules({ passwordFailuresPerAccount: { maxKeys: 100 } }));
    for (let i = 0; i < 100; i++) limiter.record('passwordFailuresPerAccount', `old-${i}@example.com`);
    clock.advance(900_000); // the old counters have all refilled
    for (let i = 0; i < 10; i++) limiter.record('passwordFailuresPerAccount', 'victim@example.com');
    for (let i = 0; i < 99; i++) limiter.record('passwordFailuresPerAccount', `new-${i}@example.com`);
    expect(limiter.size('passwordFailuresPerAccount')).toBeLessThanOrEqual(100);
    expect(refused(limiter, 'passwordFailuresPerAccount', 'victim@example.com')).toBe(true);
  });

  it('a live counter is evicted only after maxKeys other writes under its own rule', () => {
    const clock = createFakeClock();
    const limiter = new RateLimiter(clock, true, rules({ passwordFailuresPerAccount: { maxKeys: 100 } }));
    for (let i = 0; i < 10; i++) limiter.record('passwordFailuresPerAccount', 'victim@example.com');
    for (let i = 0; i < 99; i++) limiter.record('passwordFailuresPerAccount', `other-${i}@example.com`);
    expect(refused(limiter, 'passwordFailuresPerAccount', 'victim@example.com')).toBe(true);
    limiter.record('passwordFailuresPerAccount', 'the-100th@example.com');
    expect(refused(limiter, 'passwordFailuresPerAccount', 'victim@example.com')).toBe(false);
  });

  it('long keys (stored hashed) still get a bucket each', () => {
    const clock = createFakeClock();
    const limiter = new RateLimiter(clock, true);
    const long = (n: number) => `${'x'.repeat(200)}-${n}@example.com`;
    for (let i = 0; i < 10; i++) limiter.record('passwordFailuresPerAccount', long(1));
    expect(refused(limiter, 'passwordFailuresPerAccount', long(1))).toBe(true);
    expect(refused(limiter, 'passwordFailuresPerAccount', long(2))).toBe(false);
  });

  it('a refilled bucket is forgotten: tables shrink back after a flood', () => {
    const clock = createFakeClock();
    const limiter = new RateLimiter(clock, true);
    for (let i = 0; i < 1_000; i++) limiter.take('signupPerIp', `192.0.2.${i % 250}`);
    for (let i = 0; i < 1_000; i++) limiter.take('passwordPerIp', `198.51.${i >> 8}.${i & 255}`);
    expect(limiter.size('passwordPerIp')).toBe(1_000);
    clock.advance(300_000);
    // Each write sweeps up to two refilled buckets: 500 new clients clear the 1,000 old ones.
    for (let i = 0; i < 500; i++) limiter.take('passwordPerIp', `203.0.${i >> 8}.${i & 255}`);
    expect(limiter.size('passwordPerIp')).toBe(500);
  });

  it('exactly capacity takes fit in a burst, and the bucket refills at capacity per window', () => {
    const clock = createFakeClock();
    const limiter = new RateLimiter(clock, true);
    for (let i = 0; i < 300; i++) limiter.take('refreshPerSession', 's');
    expect(() => limiter.take('refreshPerSession', 's')).toThrow();
    clock.advance(199);
    expect(() => limiter.take('refreshPerSession', 's')).toThrow();
    clock.advance(1);
    limiter.take('refreshPerSession', 's');
    expect(() => limiter.take('refreshPerSession', 's')).toThrow();
  });
});
