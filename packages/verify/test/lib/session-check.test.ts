/** The live-session check against a scripted /user endpoint that counts its calls. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVerifyError } from '../../src/errors.js';
import { SessionCheck } from '../../src/lib/session-check.js';
import { hang, json, reset, startStub, type StubHandler, type StubServer } from '../support/stub-server.js';

let stub: StubServer;
beforeEach(async () => {
  stub = await startStub();
});
afterEach(async () => {
  await stub.close();
});

const TOKEN = 'header.payload.signature';
const checker = (extra: Partial<ConstructorParameters<typeof SessionCheck>[0]> = {}) =>
  new SessionCheck({ userUrl: `${stub.url}/user`, ttlMs: 5000, timeoutMs: 2000, maxEntries: 100, ...extra });

async function outcome(promise: Promise<void>): Promise<string> {
  try {
    await promise;
    return 'live';
  } catch (error) {
    if (isVerifyError(error)) return error.code;
    throw error;
  }
}

describe('SessionCheck', () => {
  it('asks GET /user with the bearer token in the header (never the URL) and the modern API version', async () => {
    stub.on('/user', json(200, {}));
    expect(await outcome(checker({ apiKey: 'pk_test' }).check(TOKEN, 's1', 0))).toBe('live');
    const [hit] = stub.hits;
    expect(hit!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hit!.headers['x-supabase-api-version']).toBe('2024-01-01');
    expect(hit!.headers.apikey).toBe('pk_test');
    expect(hit!.url).toBe('/user');
  });

  it('maps 403 session_not_found to session_revoked, naming the server code but never the token', async () => {
    stub.on('/user', json(403, { code: 'session_not_found', message: 'Session not found.' }));
    let message = '';
    await checker()
      .check(TOKEN, 's1', 0)
      .catch((e: Error) => (message = e.message));
    expect(message).toContain('session_not_found');
    expect(message).not.toContain(TOKEN);
    expect(await outcome(checker().check(TOKEN, 's2', 0))).toBe('session_revoked');
  });

  it.each([
    [401, { code: 'bad_jwt' }],
    [403, { code: 'user_banned' }],
    [404, { code: 'user_not_found' }],
    [403, { code: 'Weird Code <script>' }],
  ])('treats %i %j as a definitive no (session_revoked)', async (status, body) => {
    stub.on('/user', json(status, body));
    let message = '';
    await checker()
      .check(TOKEN, 's1', 0)
      .catch((e: Error) => (message = e.message));
    expect(message).toMatch(/^The session of the access token has ended/);
    expect(message).not.toContain('<script>');
  });

  it.each<[string, StubHandler]>([
    ['a 500', json(500, { code: 'unexpected_failure' })],
    ['a 503', json(503, { code: 'service_unavailable' })],
    ['a 429', json(429, { code: 'over_request_rate_limit' })],
    ['a network error', reset],
  ])('fails closed with session_check_unavailable on %s, and caches nothing', async (_name, handler) => {
    stub.on('/user', handler);
    const check = checker();
    expect(await outcome(check.check(TOKEN, 's1', 0))).toBe('session_check_unavailable');
    expect(await outcome(check.check(TOKEN, 's1', 1))).toBe('session_check_unavailable');
    expect(stub.count('/user')).toBe(2);
  });

  it('bounds a check that never answers by its timeout', { timeout: 5_000 }, async () => {
    stub.on('/user', hang);
    expect(await outcome(checker({ timeoutMs: 200 }).check(TOKEN, 's1', 0))).toBe('session_check_unavailable');
  });

  it('reuses an answer for the same session until the ttl passes', async () => {
    let status = 200;
    stub.on('/user', (req, res) => json(status, status === 200 ? {} : { code: 'session_not_found' })(req, res));
    const check = checker({ ttlMs: 5000 });
    expect(await outcome(check.check(TOKEN, 's1', 0))).toBe('live');
    status = 403;
    expect(await outcome(check.check(TOKEN, 's1', 4999))).toBe('live');
    expect(await outcome(check.check(TOKEN, 's2', 4999))).toBe('session_revoked');
    expect(stub.count('/user')).toBe(2);
    expect(await outcome(check.check(TOKEN, 's1', 5000))).toBe('session_revoked');
    expect(stub.count('/user')).toBe(3);
  });

  it('remembers a revoked session too, for the ttl', async () => {
    stub.on('/user', json(403, { code: 'session_not_found' }));
    const check = checker();
    for (let i = 0; i < 3; i++) expect(await outcome(check.check(TOKEN, 's1', i))).toBe('session_revoked');
    expect(stub.count('/user')).toBe(1);
  });

  it('regression (security review): a refusal of one token (bad_jwt) is not cached for the session', async () => {
    let answer = 403;
    stub.on('/user', (req, res) => (answer === 403 ? json(403, { code: 'bad_jwt' })(req, res) : json(200, { id: 'u' })(req, res)));
    const check = checker();
    expect(await outcome(check.check('old.token.x', 's1', 0))).toBe('session_revoked');
    answer = 200;
    // The session's freshly refreshed token is asked about, not refused from the cache.
    expect(await outcome(check.check('fresh.token.y', 's1', 1))).toBe('live');
    expect(stub.count('/user')).toBe(2);
  });

  it('asks every time with ttl 0', async () => {
    stub.on('/user', json(200, {}));
    const check = checker({ ttlMs: 0 });
    for (let i = 0; i < 3; i++) await check.check(TOKEN, 's1', 0);
    expect(stub.count('/user')).toBe(3);
  });

  it('shares one request among concurrent checks of a session', async () => {
    stub.on('/user', (req, res) => setTimeout(() => json(200, {})(req, res), 50));
    const check = checker({ ttlMs: 0 });
    const results = await Promise.all(Array.from({ length: 10 }, () => outcome(check.check(TOKEN, 's1', 0))));
    expect(results).toEqual(Array(10).fill('live'));
    expect(stub.count('/user')).toBe(1);
  });

  it('keeps at most maxEntries answers, evicting the oldest', async () => {
    stub.on('/user', json(200, {}));
    const check = checker({ maxEntries: 2 });
    for (const session of ['a', 'b', 'c']) await check.check(TOKEN, session, 0);
    await check.check(TOKEN, 'c', 1);
    await check.check(TOKEN, 'b', 1);
    expect(stub.count('/user')).toBe(3);
    await check.check(TOKEN, 'a', 1);
    expect(stub.count('/user')).toBe(4);
  });
});
