/**
 * Changing the email address (PUT /user { email }) over a real SMTP server: with secure email
 * change both the old and the new address confirm, in either order; without it the new one alone;
 * a newer request replaces an older one; the address is refused when taken; POST /resend sends the
 * pending change again; the audit trail records it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, signUp, uniqueEmail } from '../../helpers.js';
import { codeIn } from '../../support/smtp-server.js';
import { follow, nextLink, startMailTestServer, type MailTestServer } from '../../support/email.js';

describe.each(databaseCases(testDatabases()))('email change on %s', (_name, database) => {
  describe('secure (both addresses confirm)', () => {
    let t: MailTestServer;
    beforeAll(async () => {
      t = await startMailTestServer(database);
    });
    afterAll(() => t?.close());

    const change = (token: string, email: string) => call(t.server.authUrl, 'PUT', '/user', { token, body: { email } });
    const me = (token: string) => call(t.server.authUrl, 'GET', '/user', { token });

    it('mails both addresses; the first link is accepted, the second completes the change', async () => {
      const old = uniqueEmail('old');
      const fresh = uniqueEmail('new');
      const session = await signUp(t.server, old);
      const reply = await change(session.access_token, fresh);
      expect(reply.status).toBe(200);
      expect(reply.body.email).toBe(old);
      expect(reply.body.new_email).toBe(fresh);
      expect(reply.body.email_change_sent_at).toBeTruthy();

      const toNew = await nextLink(t.smtp, fresh);
      const toOld = await nextLink(t.smtp, old);
      expect(toNew.mail.subject).toBe('Confirm your new email address');
      expect(toNew.mail.text).toContain(old);
      expect(toNew.mail.text).toContain(fresh);

      const first = await follow(toNew.link);
      expect(Object.fromEntries(first.fragment)).toEqual({
        message: 'Confirmation link accepted. Please proceed to confirm link sent to the other email',
        sb: '',
      });
      expect((await me(session.access_token)).body.email).toBe(old);

      const second = await follow(toOld.link);
      expect(second.fragment.get('type')).toBe('email_change');
      const token = second.fragment.get('access_token')!;
      const user = (await me(token)).body;
      expect(user.email).toBe(fresh);
      expect(user.new_email).toBeUndefined();
      expect(user.email_confirmed_at).toBeTruthy();
      expect(
        (await call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email: fresh, password: 'correct horse battery' } }))
          .status,
      ).toBe(200);
      expect(
        (await call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email: old, password: 'correct horse battery' } }))
          .status,
      ).toBe(400);

      const audit = await call(t.server.authUrl, 'GET', `/admin/audit?user_id=${user.id}`, { token: t.server.secretKey });
      const types = audit.body.entries.map((e: { type: string }) => e.type);
      expect(types).toEqual(expect.arrayContaining(['email_change_requested', 'mail_sent', 'verified', 'email_changed']));
      expect(audit.body.entries.find((e: { type: string }) => e.type === 'email_changed').data).toEqual({ from: old, to: fresh });
    });

    it("codes work in either order: POST /verify answers GoTrue's message, then a session", async () => {
      const old = uniqueEmail('old');
      const fresh = uniqueEmail('new');
      const session = await signUp(t.server, old);
      await change(session.access_token, fresh);
      const oldCode = codeIn(await t.smtp.next(old));
      const newCode = codeIn(await t.smtp.next(fresh));
      const first = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'email_change', email: old, token: oldCode } });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        msg: 'Confirmation link accepted. Please proceed to confirm link sent to the other email',
        code: '200',
      });
      const second = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'email_change', email: fresh, token: newCode } });
      expect(second.status).toBe(200);
      expect(second.body.user.email).toBe(fresh);
    });

    it('a newer change replaces the older one: the older links stop working', async () => {
      const old = uniqueEmail('old');
      const session = await signUp(t.server, old);
      const first = uniqueEmail('first');
      await change(session.access_token, first);
      const firstLink = (await nextLink(t.smtp, first)).link;
      const oldLinkForFirst = (await nextLink(t.smtp, old)).link;
      const second = uniqueEmail('second');
      await change(session.access_token, second);
      await nextLink(t.smtp, second);
      await nextLink(t.smtp, old);
      expect((await follow(firstLink)).fragment.get('error_code')).toBe('otp_expired');
      expect((await follow(oldLinkForFirst)).fragment.get('error_code')).toBe('otp_expired');
      expect((await me(session.access_token)).body.new_email).toBe(second);
    });

    it('an address another user holds is email_exists; the same address is no change', async () => {
      const taken = uniqueEmail('taken');
      await signUp(t.server, taken);
      const session = await signUp(t.server);
      const reply = await change(session.access_token, taken);
      expect(reply.status).toBe(422);
      expect(reply.body.code).toBe('email_exists');
      const same = await change(session.access_token, session.user.email);
      expect(same.status).toBe(200);
      expect(same.body.new_email).toBeUndefined();
    });

    it('POST /resend type email_change mails the pending change again', async () => {
      const old = uniqueEmail('old');
      const fresh = uniqueEmail('new');
      const session = await signUp(t.server, old);
      await change(session.access_token, fresh);
      await t.smtp.next(fresh);
      await t.smtp.next(old);
      t.server.clock.advance(61_000);
      expect((await call(t.server.authUrl, 'POST', '/resend', { body: { type: 'email_change', email: old } })).body).toEqual({});
      const a = await nextLink(t.smtp, fresh);
      const b = await nextLink(t.smtp, old);
      await follow(a.link);
      expect((await follow(b.link)).fragment.get('access_token')).toBeTruthy();
    });
  });

  describe('not secure (the new address alone)', () => {
    let t: MailTestServer;
    beforeAll(async () => {
      t = await startMailTestServer(database, { mailerSecureEmailChangeEnabled: false });
    });
    afterAll(() => t?.close());

    it('mails only the new address, whose link completes the change', async () => {
      const old = uniqueEmail('old');
      const fresh = uniqueEmail('new');
      const session = await signUp(t.server, old);
      await call(t.server.authUrl, 'PUT', '/user', { token: session.access_token, body: { email: fresh } });
      const landed = await follow((await nextLink(t.smtp, fresh)).link);
      const user = await call(t.server.authUrl, 'GET', '/user', { token: landed.fragment.get('access_token')! });
      expect(user.body.email).toBe(fresh);
      await t.server.app.mail.deliverDue();
      expect(t.smtp.to(old)).toHaveLength(0);
    });
  });
});
