/**
 * Admin email actions: POST /invite mails an invitation whose link confirms and signs in a user
 * who has no password yet; POST /admin/generate_link returns every link type (GoTrue's answer
 * shape) without sending mail, and each returned link, code and hashed_token verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, signUp, uniqueEmail } from '../../helpers.js';
import { follow, nextLink, SITE_URL, startMailTestServer, type MailTestServer } from '../../support/email.js';

describe.each(databaseCases(testDatabases()))('admin email actions on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    t = await startMailTestServer(database);
  });
  afterAll(() => t?.close());

  const admin = (path: string, body: unknown) => call(t.server.authUrl, 'POST', path, { token: t.server.secretKey, body });

  describe('POST /invite', () => {
    it('creates the user and mails an invitation; the link signs them in; they set a password', async () => {
      const email = uniqueEmail('invited');
      const reply = await admin(`/invite?redirect_to=${encodeURIComponent(`${SITE_URL}/set-password`)}`, { email, data: { team: 'blue' } });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ email, user_metadata: { team: 'blue' }, email_confirmed_at: null });
      expect(reply.body.invited_at).toBeTruthy();
      const { mail, link } = await nextLink(t.smtp, email);
      expect(mail.subject).toBe("You've been invited");
      expect(new URL(link).searchParams.get('type')).toBe('invite');
      const landed = await follow(link);
      expect(landed.url.pathname).toBe('/set-password');
      expect(landed.fragment.get('type')).toBe('invite');
      const token = landed.fragment.get('access_token')!;
      expect((await call(t.server.authUrl, 'PUT', '/user', { token, body: { password: 'my own password' } })).status).toBe(200);
      expect(
        (await call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'my own password' } })).status,
      ).toBe(200);
    });

    it('a confirmed user is email_exists; it needs the secret key', async () => {
      const { user } = await signUp(t.server);
      const reply = await admin('/invite', { email: user.email });
      expect(reply.status).toBe(422);
      expect(reply.body.code).toBe('email_exists');
      expect((await call(t.server.authUrl, 'POST', '/invite', { body: { email: uniqueEmail() } })).status).toBe(401);
    });
  });

  describe('POST /admin/generate_link', () => {
    it('magiclink for an unknown address is a signup link (GoTrue): the user, action_link, email_otp, hashed_token, verification_type, redirect_to; no mail', async () => {
      const email = uniqueEmail();
      const reply = await admin('/admin/generate_link', { type: 'magiclink', email, redirect_to: `${SITE_URL}/in` });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ email, verification_type: 'signup', redirect_to: `${SITE_URL}/in` });
      expect(reply.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(reply.body.email_otp).toMatch(/^\d{6}$/);
      expect(reply.body.hashed_token).toMatch(/^[0-9a-f]{64}$/);
      const action = new URL(reply.body.action_link);
      expect(action.href.startsWith(`${t.server.authUrl}/verify?`)).toBe(true);
      expect(action.searchParams.get('type')).toBe('signup');
      expect(action.searchParams.get('token')).toBe(reply.body.hashed_token);
      expect(action.searchParams.get('redirect_to')).toBe(`${SITE_URL}/in`);
      const landed = await follow(reply.body.action_link);
      expect(landed.fragment.get('access_token')).toBeTruthy();
      await t.server.app.mail.deliverDue();
      expect(t.smtp.to(email)).toHaveLength(0);
    });

    it('recovery: the code verifies with the address; an unknown address is 404 user_not_found', async () => {
      const { user } = await signUp(t.server);
      const reply = await admin('/admin/generate_link', { type: 'recovery', email: user.email });
      expect(reply.body.verification_type).toBe('recovery');
      const verified = await call(t.server.authUrl, 'POST', '/verify', {
        body: { type: 'recovery', email: user.email, token: reply.body.email_otp },
      });
      expect(verified.status).toBe(200);
      const missing = await admin('/admin/generate_link', { type: 'recovery', email: uniqueEmail() });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ code: 'user_not_found', message: 'User with this email not found' });
    });

    it('signup needs a password; invite and the hashed_token verify', async () => {
      const noPassword = await admin('/admin/generate_link', { type: 'signup', email: uniqueEmail() });
      expect(noPassword.status).toBe(400);
      expect(noPassword.body.message).toBe('Signup requires a valid password');
      const signup = await admin('/admin/generate_link', { type: 'signup', email: uniqueEmail(), password: 'correct horse battery' });
      expect(
        (await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'signup', token_hash: signup.body.hashed_token } })).status,
      ).toBe(200);
      const invite = await admin('/admin/generate_link', { type: 'invite', email: uniqueEmail() });
      expect(invite.body.invited_at).toBeTruthy();
      expect(
        (await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'invite', token_hash: invite.body.hashed_token } })).status,
      ).toBe(200);
    });

    it('email_change_current and email_change_new: both links complete the change', async () => {
      const { user } = await signUp(t.server);
      const fresh = uniqueEmail('new');
      const current = await admin('/admin/generate_link', { type: 'email_change_current', email: user.email, new_email: fresh });
      const next = await admin('/admin/generate_link', { type: 'email_change_new', email: user.email, new_email: fresh });
      expect(current.body.new_email).toBe(fresh);
      expect(new URL(next.body.action_link).searchParams.get('type')).toBe('email_change');
      expect((await follow(current.body.action_link)).fragment.get('message')).toMatch(/^Confirmation link accepted/);
      const landed = await follow(next.body.action_link);
      const me = await call(t.server.authUrl, 'GET', '/user', { token: landed.fragment.get('access_token')! });
      expect(me.body.email).toBe(fresh);
    });

    it('an unknown type is validation_failed', async () => {
      const reply = await admin('/admin/generate_link', { type: 'sms', email: uniqueEmail() });
      expect(reply.status).toBe(400);
      expect(reply.body.message).toBe('Invalid email action link type requested: sms');
    });
  });
});

describe('POST /admin/users/:id/recover', () => {
  it('mails the user a recovery link as an admin action; unknown users are 404', async () => {
    const t = await startMailTestServer('memory');
    try {
      const email = uniqueEmail('recover');
      const user = await signUp(t.server, email);
      const reply = await call(t.server.authUrl, 'POST', `/admin/users/${user.user.id}/recover`, { token: t.server.secretKey });
      expect(reply.status).toBe(200);
      const { link } = await nextLink(t.smtp, email);
      expect(new URL(link).searchParams.get('type')).toBe('recovery');
      const entries = (await call(t.server.authUrl, 'GET', `/admin/audit?user_id=${user.user.id}`, { token: t.server.secretKey })).body
        .entries;
      expect(entries.map((e: { type: string; actor: string }) => `${e.type}/${e.actor}`)).toContain('recovery_sent/admin');
      const missing = await call(t.server.authUrl, 'POST', `/admin/users/00000000-0000-4000-8000-000000000000/recover`, {
        token: t.server.secretKey,
      });
      expect(missing.status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
