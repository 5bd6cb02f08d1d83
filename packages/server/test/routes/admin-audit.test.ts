/** The audit trail records security events and answers queries by user and type. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp, uniqueEmail } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const audit = async (query: string) =>
  (await call(server.authUrl, 'GET', `/admin/audit?${query}`, { token: server.secretKey })).body.entries;

it('records sign-up, sign-in success and failure, reuse detection, password change, logout', async () => {
  const email = uniqueEmail();
  const session = await signUp(server, email);
  await call(server.authUrl, 'POST', '/token?grant_type=password', {
    body: { email, password: 'wrong password' },
    headers: { 'user-agent': 'guesser/1.0' },
  });
  const signedIn = (
    await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'correct horse battery' } })
  ).body;
  await refresh(server.authUrl, session.refresh_token);
  server.clock.advance(11_000);
  await refresh(server.authUrl, session.refresh_token); // reuse
  await call(server.authUrl, 'PUT', '/user', { token: signedIn.access_token, body: { password: 'another good password' } });
  await call(server.authUrl, 'POST', '/logout?scope=local', { token: signedIn.access_token });

  const entries = await audit(`user_id=${session.user.id}`);
  const types = entries.map((e: { type: string }) => e.type).reverse();
  expect(types).toEqual(['user_signedup', 'login_failed', 'login', 'token_reuse_detected', 'password_changed', 'logout']);
  const reuse = entries.find((e: { type: string }) => e.type === 'token_reuse_detected');
  expect(reuse).toMatchObject({ actor: 'system', session_id: expect.any(String), ip: expect.any(String) });
  expect(entries.find((e: { type: string }) => e.type === 'login_failed').user_agent).toBe('guesser/1.0');
  // Never a credential in the trail.
  const text = JSON.stringify(entries);
  for (const secret of [session.refresh_token, session.access_token, 'wrong password', 'correct horse battery'])
    expect(text).not.toContain(secret);
});

it('filters by type and records admin actions', async () => {
  const { user } = await signUp(server);
  await call(server.authUrl, 'PUT', `/admin/users/${user.id}`, {
    token: server.secretKey,
    body: { ban_duration: '1h', password: 'secret-new-pass' },
  });
  const banned = await audit(`user_id=${user.id}&type=user_banned`);
  expect(banned).toHaveLength(1);
  expect(banned[0].actor).toBe('admin');
  expect(JSON.stringify(banned)).not.toContain('secret-new-pass');
});

it('rejects a bad filter with validation_failed', async () => {
  const reply = await call(server.authUrl, 'GET', '/admin/audit?type=nonsense', { token: server.secretKey });
  expect(reply.status).toBe(400);
  expect(reply.body.code).toBe('validation_failed');
});

it('retention: entries older than LATCHKEY_AUDIT_RETENTION_DAYS are purged', async () => {
  const short = await startTestServer({ config: { auditRetentionDays: 1 } });
  try {
    const { user } = await signUp(short);
    const entries = async () =>
      (await call(short.authUrl, 'GET', `/admin/audit?user_id=${user.id}`, { token: short.secretKey })).body.entries;
    expect(await entries()).toHaveLength(1);
    // The purge the server runs (at start and hourly) with "now" two days later.
    const { purgeAudit } = await import('../../src/store/audit.js');
    expect(await purgeAudit(short.app.db, new Date(short.clock() + 86_400_000))).toBeGreaterThan(0);
    expect(await entries()).toHaveLength(0);
  } finally {
    await short.close();
  }
});

it('behind a trusted proxy, the client address is the rightmost X-Forwarded-For entry (the one the proxy appended)', async () => {
  const proxied = await startTestServer({ config: { trustProxy: true } });
  try {
    const { user } = await signUp(proxied);
    await call(proxied.authUrl, 'POST', '/token?grant_type=password', {
      body: { email: user.email, password: 'not the password' },
      headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' },
    });
    const entries = (await call(proxied.authUrl, 'GET', `/admin/audit?user_id=${user.id}&type=login_failed`, { token: proxied.secretKey }))
      .body.entries;
    expect(entries[0].ip).toBe('203.0.113.7');
  } finally {
    await proxied.close();
  }
});

it('filters by ip, session and time, and pages by cursor (the console Audit page)', async () => {
  const session = await signUp(server);
  await refresh(server.authUrl, session.refresh_token);
  server.clock.advance(11_000);
  await refresh(server.authUrl, session.refresh_token); // reuse, with the session id
  // The reuse is audited off the request's path (server.ts onReuse): wait for its entry.
  await expect.poll(async () => (await audit(`user_id=${session.user.id}&type=token_reuse_detected`)).length).toBe(1);
  const reuse = (await audit(`user_id=${session.user.id}&type=token_reuse_detected`))[0];
  expect(reuse.session_id).toEqual(expect.any(String));
  const bySession = await audit(`session_id=${reuse.session_id}`);
  expect(bySession.map((e: { type: string }) => e.type)).toContain('token_reuse_detected');
  const byIp = await audit(`ip=${encodeURIComponent(reuse.ip)}&user_id=${session.user.id}`);
  expect(byIp.length).toBeGreaterThanOrEqual(1);
  expect(await audit(`ip=198.51.100.1&user_id=${session.user.id}`)).toEqual([]);
  const until = await audit(`user_id=${session.user.id}&until=${encodeURIComponent(reuse.at)}`);
  expect(until.map((e: { type: string }) => e.type)).toEqual(['user_signedup']);

  // Cursor paging visits every entry once.
  const seen: string[] = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const reply = (
      await call(server.authUrl, 'GET', `/admin/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: server.secretKey })
    ).body;
    seen.push(...reply.entries.map((e: { id: string }) => e.id));
    if (!reply.next_cursor) break;
    cursor = reply.next_cursor;
  }
  const everything = (await audit('limit=1000')).map((e: { id: string }) => e.id);
  expect(seen).toEqual(everything);
  expect((await call(server.authUrl, 'GET', '/admin/audit?cursor=garbage', { token: server.secretKey })).status).toBe(400);
});

it('lists entries of one instant newest first by id, numerically (a regression: "10" sorted before "9" as text)', async () => {
  const user = await signUp(server);
  // Twelve entries at one instant (the test clock does not move): ids cross from one digit count to the next.
  for (let i = 0; i < 12; i++)
    await call(server.authUrl, 'PUT', `/admin/users/${user.user.id}`, { token: server.secretKey, body: { user_metadata: { i } } });
  const ids = (await audit(`user_id=${user.user.id}`)).map((e: { id: string }) => BigInt(e.id));
  expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
});
