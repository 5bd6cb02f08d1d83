/**
 * Password recovery end to end over a real SMTP server: POST /recover → the email → its link
 * followed over HTTP (or its code verified) → a recovery session → a new password, which ends the
 * user's other sessions. Unknown addresses get the same answer and no mail; links expire, work
 * once, and never carry a session to a host outside the allow list; with SMTP down the request
 * answers as GoTrue does and nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, refresh, signUp, uniqueEmail } from '../../helpers.js';
import { codeIn } from '../../support/smtp-server.js';
import { follow, nextLink, SITE_URL, startMailTestServer, tokenOf, type MailTestServer } from '../../support/email.js';

const PASSWORD = 'correct horse battery';

describe.each(databaseCases(testDatabases()))('POST /recover on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    t = await startMailTestServer(database, { uriAllowList: ['https://*.preview.example.com/**'] });
  });
  afterAll(() => t?.close());

  const recover = (email: string, query = '') => call(t.server.authUrl, 'POST', `/recover${query}`, { body: { email } });

  it('mails a link that signs the user in (amr recovery) at the app; the new password ends the other sessions', async () => {
    const email = uniqueEmail();
    const first = await signUp(t.server, email, PASSWORD);
    const reply = await recover(email, `?redirect_to=${encodeURIComponent('https://pr-7.preview.example.com/reset')}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({});
    const { mail, link } = await nextLink(t.smtp, email);
    expect(mail.subject).toBe('Reset your password');
    expect(link.startsWith(`${t.server.authUrl}/verify?token=`)).toBe(true);
    expect(mail.html).toContain(link.replaceAll('&', '&amp;'));

    const landed = await follow(link);
    expect(landed.status).toBe(303);
    expect(landed.location.startsWith('https://pr-7.preview.example.com/reset#')).toBe(true);
    expect(landed.fragment.get('type')).toBe('recovery');
    expect(landed.fragment.get('token_type')).toBe('bearer');
    expect(landed.fragment.has('sb')).toBe(true);
    const accessToken = landed.fragment.get('access_token')!;
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString());
    expect(claims.amr[0].method).toBe('recovery');
    expect(claims.email).toBe(email);

    const changed = await call(t.server.authUrl, 'PUT', '/user', { token: accessToken, body: { password: 'a brand new password' } });
    expect(changed.status).toBe(200);
    expect((await refresh(t.server.authUrl, first.refresh_token)).status).toBe(400);
    expect((await refresh(t.server.authUrl, landed.fragment.get('refresh_token')!)).status).toBe(200);
    const signIn = await call(t.server.authUrl, 'POST', '/token?grant_type=password', {
      body: { email, password: 'a brand new password' },
    });
    expect(signIn.status).toBe(200);
    const user = await call(t.server.authUrl, 'GET', '/user', { token: signIn.body.access_token });
    expect(user.body.recovery_sent_at).toBeTruthy();
  });

  it('the code works too, with the address, and either use spends the token', async () => {
    const email = uniqueEmail();
    await signUp(t.server, email, PASSWORD);
    await recover(email);
    const { mail, link } = await nextLink(t.smtp, email);
    const code = codeIn(mail);
    expect(code).toMatch(/^\d{6}$/);
    const verified = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'recovery', email, token: code } });
    expect(verified.status).toBe(200);
    expect(verified.body.user.email).toBe(email);
    expect(verified.body.refresh_token).toBeTruthy();
    const again = await follow(link);
    expect(again.url.origin).toBe(SITE_URL);
    expect(Object.fromEntries(again.fragment)).toEqual({
      error: 'access_denied',
      error_code: 'otp_expired',
      error_description: 'Email link is invalid or has expired',
      sb: '',
    });
  });

  it('a used link does not work twice; a newer email replaces the older one', async () => {
    const email = uniqueEmail();
    await signUp(t.server, email, PASSWORD);
    await recover(email);
    const older = (await nextLink(t.smtp, email)).link;
    t.server.clock.advance(61_000);
    await recover(email);
    const newer = (await nextLink(t.smtp, email)).link;
    expect((await follow(older)).fragment.get('error_code')).toBe('otp_expired');
    const used = await follow(newer);
    expect(used.fragment.get('access_token')).toBeTruthy();
    const reused = await follow(newer);
    expect(reused.fragment.get('error_code')).toBe('otp_expired');
    expect(reused.fragment.get('access_token')).toBeNull();
  });

  it('expires after LATCHKEY_MAILER_OTP_EXP (link and code)', async () => {
    const email = uniqueEmail();
    await signUp(t.server, email, PASSWORD);
    await recover(email);
    const { mail, link } = await nextLink(t.smtp, email);
    t.server.clock.advance(3_600_000 + 1_000);
    expect((await follow(link)).fragment.get('error_code')).toBe('otp_expired');
    const byCode = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'recovery', email, token: codeIn(mail) } });
    expect(byCode.status).toBe(403);
    expect(byCode.body).toEqual({ code: 'otp_expired', message: 'Token has expired or is invalid' });
  });

  it('an unknown address: the same answer, no mail, a suppressed entry in the outbox record', async () => {
    const unknown = uniqueEmail('nobody');
    const reply = await recover(unknown);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({});
    const outbox = await call(t.server.authUrl, 'GET', `/admin/outbox?to=${encodeURIComponent(unknown)}`, { token: t.server.secretKey });
    expect(outbox.body.messages).toMatchObject([{ to: unknown, status: 'suppressed', last_error: 'no user with this address' }]);
    await t.server.app.mail.deliverDue();
    expect(t.smtp.to(unknown)).toHaveLength(0);
  });

  it.each([
    ['scheme-relative', '//evil.example/steal'],
    ['a look-alike host', 'https://app.example.com.evil.example/'],
    ['userinfo', 'https://app.example.com@evil.example/'],
    ['backslashes', 'https:\\\\evil.example'],
    ['an encoded @', 'https://app.example.com%40evil.example/'],
    ['javascript:', 'javascript:alert(1)'],
  ])('redirect_to %s: the session lands on the site URL instead', async (_label, target) => {
    const email = uniqueEmail();
    await signUp(t.server, email, PASSWORD);
    await recover(email, `?redirect_to=${encodeURIComponent(target)}`);
    const { link } = await nextLink(t.smtp, email);
    expect(new URL(link).searchParams.get('redirect_to')).toBe(SITE_URL);
    // Tampering with the link's redirect_to changes nothing either: it is judged again.
    const tampered = new URL(link);
    tampered.searchParams.set('redirect_to', target);
    const landed = await follow(tampered.href);
    expect(landed.url.origin).toBe(SITE_URL);
    expect(landed.fragment.get('access_token')).toBeTruthy();
  });

  it('validation: an email is required and must be one', async () => {
    const missing = await call(t.server.authUrl, 'POST', '/recover', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ code: 'validation_failed', message: 'Password recovery requires an email' });
    expect((await recover('not-an-email')).body.code).toBe('validation_failed');
  });

  it('SMTP down: the request answers 200 and its mail arrives once the server is back; then, known down, requests answer 500 unexpected_failure for every address alike', async () => {
    const email = uniqueEmail();
    await signUp(t.server, email, PASSWORD);
    await t.smtp.stop();
    try {
      // Nobody knows yet that the server is down: the request succeeds, the mail waits in the queue.
      expect((await recover(email)).status).toBe(200);
      await t.server.app.mail.deliverDue();
      expect(t.server.app.mail.available).toBe(false);
      // Known down: GoTrue's answer, the same for a registered and an unknown address, and nothing changes.
      const registered = await recover(email);
      const unknown = await recover(uniqueEmail('nobody'));
      for (const reply of [registered, unknown]) {
        expect(reply.status).toBe(500);
        expect(reply.body).toEqual({ code: 'unexpected_failure', message: 'Error sending recovery email' });
      }
    } finally {
      await t.smtp.start();
    }
    await t.server.app.mail.probe();
    expect(t.server.app.mail.available).toBe(true);
    // The first request's mail was kept and goes out; its link works.
    const { link } = await nextLink(t.smtp, email);
    expect((await follow(link)).fragment.get('access_token')).toBeTruthy();
    // The user and their password are untouched by the failed requests.
    expect((await call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: PASSWORD } })).status).toBe(200);
  });
});
