/**
 * Anonymous users (LATCHKEY_EXTERNAL_ANONYMOUS_USERS_ENABLED): POST /signup {} gives an anonymous
 * user and session; adding an address (confirmed at once while sign-ups are autoconfirmed, by mail
 * otherwise) and a password makes it permanent; unconverted ones are deleted after
 * LATCHKEY_ANONYMOUS_RETENTION_DAYS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../src/testing.js';
import { call, databaseCases, refresh, uniqueEmail } from '../helpers.js';
import { follow, nextLink, startMailTestServer, type MailTestServer } from '../support/email.js';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe.each(databaseCases(testDatabases()))('anonymous users on %s', (_name, database) => {
  describe('autoconfirmed sign-ups (the default)', () => {
    let t: MailTestServer;
    beforeAll(async () => {
      t = await startMailTestServer(database, { externalAnonymousUsersEnabled: true, anonymousRetentionDays: 30 });
    });
    afterAll(() => t?.close());

    const anonymous = (data?: Record<string, unknown>) => call(t.server.authUrl, 'POST', '/signup', { body: data ? { data } : {} });

    it('POST /signup {} is an anonymous user with a session (amr anonymous, is_anonymous in the token)', async () => {
      const reply = await anonymous({ theme: 'dark' });
      expect(reply.status).toBe(200);
      expect(reply.body.user).toMatchObject({ is_anonymous: true, email: '', user_metadata: { theme: 'dark' }, identities: [] });
      const claims = claimsOf(reply.body.access_token);
      expect(claims.is_anonymous).toBe(true);
      expect(claims.amr[0].method).toBe('anonymous');
      expect((await refresh(t.server.authUrl, reply.body.refresh_token)).status).toBe(200);
      expect((await call(t.server.authUrl, 'GET', '/settings')).body.external.anonymous_users).toBe(true);
    });

    it('becomes permanent: a password alone is refused, an address is set and confirmed at once, then a password', async () => {
      const { body } = await anonymous();
      const token = body.access_token;
      const passwordOnly = await call(t.server.authUrl, 'PUT', '/user', { token, body: { password: 'correct horse battery' } });
      expect(passwordOnly.status).toBe(422);
      expect(passwordOnly.body.message).toBe('Updating password of an anonymous user without an email or phone is not allowed');
      const email = uniqueEmail();
      const withEmail = await call(t.server.authUrl, 'PUT', '/user', { token, body: { email } });
      expect(withEmail.status).toBe(200);
      expect(withEmail.body).toMatchObject({ email, is_anonymous: false });
      expect(withEmail.body.email_confirmed_at).toBeTruthy();
      expect((await call(t.server.authUrl, 'PUT', '/user', { token, body: { password: 'correct horse battery' } })).status).toBe(200);
      const signIn = await call(t.server.authUrl, 'POST', '/token?grant_type=password', {
        body: { email, password: 'correct horse battery' },
      });
      expect(signIn.status).toBe(200);
      expect(signIn.body.user.id).toBe(body.user.id);
      expect(claimsOf(signIn.body.access_token).is_anonymous).toBe(false);
    });

    it(`unconverted anonymous users are deleted after the retention period, with their sessions; converted ones stay`, async () => {
      const stays = await anonymous();
      await call(t.server.authUrl, 'PUT', '/user', { token: stays.body.access_token, body: { email: uniqueEmail() } });
      const goes = await anonymous();
      t.server.clock.advance(29 * 86_400_000);
      const young = await anonymous();
      t.server.clock.advance(2 * 86_400_000);
      expect(await t.server.app.purgeAnonymousUsers()).toBeGreaterThanOrEqual(1);
      expect((await refresh(t.server.authUrl, goes.body.refresh_token)).status).toBe(400);
      expect((await refresh(t.server.authUrl, young.body.refresh_token)).status).toBe(200);
      expect((await refresh(t.server.authUrl, stays.body.refresh_token)).status).toBe(200);
      const audit = await call(t.server.authUrl, 'GET', '/admin/audit?type=anonymous_users_purged', { token: t.server.secretKey });
      expect(audit.body.entries[0].data).toMatchObject({ older_than_days: 30 });
    });
  });

  describe('sign-ups confirmed by email', () => {
    let t: MailTestServer;
    beforeAll(async () => {
      t = await startMailTestServer(database, { externalAnonymousUsersEnabled: true, mailerAutoconfirm: false });
    });
    afterAll(() => t?.close());

    it('adding an address mails it (there is no old address to ask); the link makes the user permanent', async () => {
      const { body } = await call(t.server.authUrl, 'POST', '/signup', { body: {} });
      const email = uniqueEmail();
      const pending = await call(t.server.authUrl, 'PUT', '/user', { token: body.access_token, body: { email } });
      expect(pending.body).toMatchObject({ email: '', new_email: email, is_anonymous: true });
      const landed = await follow((await nextLink(t.smtp, email)).link);
      const me = await call(t.server.authUrl, 'GET', '/user', { token: landed.fragment.get('access_token')! });
      expect(me.body).toMatchObject({ id: body.user.id, email, is_anonymous: false });
    });
  });

  describe('switched off or sign-ups disabled', () => {
    it('anonymous_provider_disabled when off; signup_disabled when sign-ups are', async () => {
      const off = await startMailTestServer(database);
      const closed = await startMailTestServer(database, { externalAnonymousUsersEnabled: true, disableSignup: true });
      try {
        const a = await call(off.server.authUrl, 'POST', '/signup', { body: {} });
        expect([a.status, a.body.code]).toEqual([422, 'anonymous_provider_disabled']);
        expect((await call(off.server.authUrl, 'GET', '/settings')).body.external.anonymous_users).toBe(false);
        const b = await call(closed.server.authUrl, 'POST', '/signup', { body: {} });
        expect([b.status, b.body.code]).toEqual([422, 'signup_disabled']);
      } finally {
        await off.close();
        await closed.close();
      }
    });
  });
});
