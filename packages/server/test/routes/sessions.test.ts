/** Sessions users can see and end, admins too; a password change ends the other sessions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call, refresh, signUp, uniqueEmail } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const PASSWORD = 'correct horse battery';
async function threeSessions() {
  const email = uniqueEmail();
  const first = await signUp(server, email);
  const others = [];
  for (const agent of ['Firefox', 'Safari']) {
    const reply = await call(server.authUrl, 'POST', '/token?grant_type=password', {
      body: { email, password: PASSWORD },
      headers: { 'user-agent': agent },
    });
    others.push(reply.body);
  }
  return [first, ...others];
}

describe('a user and their sessions', () => {
  it('lists them, with user agent and IP, the current one marked', async () => {
    const [a] = await threeSessions();
    const reply = await call(server.authUrl, 'GET', '/user/sessions', { token: a!.access_token });
    expect(reply.status).toBe(200);
    expect(reply.body.sessions).toHaveLength(3);
    expect(reply.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(reply.body.sessions.map((s: { user_agent: string }) => s.user_agent)).toEqual(expect.arrayContaining(['Firefox', 'Safari']));
    expect(reply.body.sessions[0]).toMatchObject({
      id: expect.any(String),
      created_at: expect.any(String),
      refreshed_at: expect.any(String),
      ip: expect.any(String),
    });
  });

  it('ends one session: its refresh token and access token stop working, the others keep going', async () => {
    const [a, b, c] = await threeSessions();
    const list = await call(server.authUrl, 'GET', '/user/sessions', { token: a!.access_token });
    const target = list.body.sessions.find((s: { user_agent: string }) => s.user_agent === 'Firefox');
    expect((await call(server.authUrl, 'DELETE', `/user/sessions/${target.id}`, { token: a!.access_token })).status).toBe(204);
    expect((await refresh(server.authUrl, b!.refresh_token)).body.code).toBe('session_not_found');
    expect((await call(server.authUrl, 'GET', '/user', { token: b!.access_token })).status).toBe(403);
    expect((await refresh(server.authUrl, c!.refresh_token)).status).toBe(200);
  });

  it("cannot end another user's session", async () => {
    const [a] = await threeSessions();
    const [x] = await threeSessions();
    const theirs = (await call(server.authUrl, 'GET', '/user/sessions', { token: x!.access_token })).body.sessions[0].id;
    const reply = await call(server.authUrl, 'DELETE', `/user/sessions/${theirs}`, { token: a!.access_token });
    expect(reply.status).toBe(404);
    expect((await call(server.authUrl, 'GET', '/user', { token: x!.access_token })).status).toBe(200);
  });

  it('ends all but the current one', async () => {
    const [a, b, c] = await threeSessions();
    const reply = await call(server.authUrl, 'DELETE', '/user/sessions', { token: a!.access_token });
    expect(reply.body.ended).toBe(2);
    expect((await refresh(server.authUrl, b!.refresh_token)).status).toBe(400);
    expect((await refresh(server.authUrl, c!.refresh_token)).status).toBe(400);
    expect((await refresh(server.authUrl, a!.refresh_token)).status).toBe(200);
  });

  it('a password change ends the other sessions and keeps the current one', async () => {
    const [a, b] = await threeSessions();
    const changed = await call(server.authUrl, 'PUT', '/user', { token: a!.access_token, body: { password: 'a whole new password' } });
    expect(changed.status).toBe(200);
    expect((await refresh(server.authUrl, b!.refresh_token)).body.code).toBe('session_not_found');
    expect((await refresh(server.authUrl, a!.refresh_token)).status).toBe(200);
  });

  it('LATCHKEY_PASSWORD_CHANGE_REVOKES=none keeps them', async () => {
    const lenient = await startTestServer({ config: { passwordChangeRevokes: 'none' } });
    try {
      const email = uniqueEmail();
      const a = await signUp(lenient, email);
      const b = (await call(lenient.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: PASSWORD } })).body;
      await call(lenient.authUrl, 'PUT', '/user', { token: a.access_token, body: { password: 'a whole new password' } });
      expect((await refresh(lenient.authUrl, b.refresh_token)).status).toBe(200);
    } finally {
      await lenient.close();
    }
  });
});

describe('admins and sessions', () => {
  it("list a user's sessions, end one by id, end them all", async () => {
    const [a, b, c] = await threeSessions();
    const listed = await call(server.authUrl, 'GET', `/admin/users/${a!.user.id}/sessions`, { token: server.secretKey });
    expect(listed.body.sessions).toHaveLength(3);
    const firefox = listed.body.sessions.find((s: { user_agent: string }) => s.user_agent === 'Firefox');
    expect((await call(server.authUrl, 'DELETE', `/admin/sessions/${firefox.id}`, { token: server.secretKey })).status).toBe(204);
    expect((await refresh(server.authUrl, b!.refresh_token)).status).toBe(400);
    const all = await call(server.authUrl, 'DELETE', `/admin/users/${a!.user.id}/sessions`, { token: server.secretKey });
    expect(all.body.ended).toBe(2);
    expect((await refresh(server.authUrl, c!.refresh_token)).status).toBe(400);
    expect((await refresh(server.authUrl, a!.refresh_token)).status).toBe(400);
  });

  it('need the secret key', async () => {
    const [a] = await threeSessions();
    expect((await call(server.authUrl, 'GET', `/admin/users/${a!.user.id}/sessions`, { token: a!.access_token })).status).toBe(403);
  });
});
