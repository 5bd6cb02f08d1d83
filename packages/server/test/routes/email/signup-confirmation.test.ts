/**
 * Sign-up with LATCHKEY_MAILER_AUTOCONFIRM=false over a real SMTP server: the user without a
 * session, email_not_confirmed for a password sign-in, the confirmation link (or code) confirming
 * and signing in, POST /resend, and a repeated sign-up answered without revealing the account.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, uniqueEmail } from '../../helpers.js';
import { codeIn } from '../../support/smtp-server.js';
import { follow, nextLink, SITE_URL, startMailTestServer, type MailTestServer } from '../../support/email.js';

const PASSWORD = 'correct horse battery';

describe.each(databaseCases(testDatabases()))('confirmation by email on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    t = await startMailTestServer(database, { mailerAutoconfirm: false });
  });
  afterAll(() => t?.close());

  const signup = (email: string, query = '') =>
    call(t.server.authUrl, 'POST', `/signup${query}`, { body: { email, password: PASSWORD, data: { plan: 'free' } } });
  const signIn = (email: string) => call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: PASSWORD } });

  it('sign-up answers the user without a session and mails a confirmation; the link confirms and signs in', async () => {
    const email = uniqueEmail();
    const reply = await signup(email, `?redirect_to=${encodeURIComponent(`${SITE_URL}/welcome`)}`);
    expect(reply.status).toBe(200);
    expect(reply.body.access_token).toBeUndefined();
    expect(reply.body).toMatchObject({ email, email_confirmed_at: null, user_metadata: { plan: 'free' } });
    expect(reply.body.confirmation_sent_at).toBeTruthy();
    expect(reply.body.identities).toHaveLength(1);

    const before = await signIn(email);
    expect(before.status).toBe(400);
    expect(before.body).toEqual({ code: 'email_not_confirmed', message: 'Email not confirmed' });
    // A wrong password does not learn that the address waits for confirmation.
    const wrong = await call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'not the password' } });
    expect(wrong.body.code).toBe('invalid_credentials');

    const { mail, link } = await nextLink(t.smtp, email);
    expect(mail.subject).toBe('Confirm your email address');
    expect(new URL(link).searchParams.get('type')).toBe('signup');
    const landed = await follow(link);
    expect(landed.url.href.startsWith(`${SITE_URL}/welcome#`)).toBe(true);
    expect(landed.fragment.get('type')).toBe('signup');
    const user = await call(t.server.authUrl, 'GET', '/user', { token: landed.fragment.get('access_token')! });
    expect(user.body.email_confirmed_at).toBeTruthy();
    expect((await signIn(email)).status).toBe(200);
  });

  it('with PKCE (code_challenge on the sign-up): the link gives ?code=, which the verifier exchanges (amr email/signup)', async () => {
    const email = uniqueEmail();
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const reply = await call(t.server.authUrl, 'POST', '/signup', {
      body: { email, password: PASSWORD, code_challenge: challenge, code_challenge_method: 's256' },
    });
    expect(reply.body.access_token).toBeUndefined();
    const landed = await follow((await nextLink(t.smtp, email)).link);
    const code = landed.url.searchParams.get('code')!;
    const session = await call(t.server.authUrl, 'POST', '/token?grant_type=pkce', { body: { auth_code: code, code_verifier: verifier } });
    expect(session.status).toBe(200);
    expect(session.body.user.email_confirmed_at).toBeTruthy();
    const claims = JSON.parse(Buffer.from(session.body.access_token.split('.')[1], 'base64url').toString());
    expect(claims.amr[0].method).toBe('email/signup');
  });

  it('the code confirms too (type signup)', async () => {
    const email = uniqueEmail();
    await signup(email);
    const code = codeIn(await t.smtp.next(email));
    const reply = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'signup', email, token: code } });
    expect(reply.status).toBe(200);
    expect(reply.body.user.email_confirmed_at).toBeTruthy();
  });

  it('POST /resend sends a new confirmation (the old one stops working); unknown and confirmed addresses get the same answer and no mail', async () => {
    const email = uniqueEmail();
    await signup(email);
    const old = (await nextLink(t.smtp, email)).link;
    t.server.clock.advance(61_000);
    expect((await call(t.server.authUrl, 'POST', '/resend', { body: { type: 'signup', email } })).body).toEqual({});
    const fresh = (await nextLink(t.smtp, email)).link;
    expect((await follow(old)).fragment.get('error_code')).toBe('otp_expired');
    expect((await follow(fresh)).fragment.get('access_token')).toBeTruthy();

    const unknown = uniqueEmail('nobody');
    for (const address of [unknown, email]) {
      const reply = await call(t.server.authUrl, 'POST', '/resend', { body: { type: 'signup', email: address } });
      expect([reply.status, reply.body]).toEqual([200, {}]);
    }
    await t.server.app.mail.deliverDue();
    expect(t.smtp.to(unknown)).toHaveLength(0);
    expect(t.smtp.to(email)).toHaveLength(2);
  });

  it('signing up again while unconfirmed sends the confirmation again; once confirmed, a look-alike user and no mail', async () => {
    const email = uniqueEmail();
    const first = await signup(email);
    await t.smtp.next(email);
    t.server.clock.advance(61_000);
    const again = await signup(email);
    expect(again.body.id).toBe(first.body.id);
    const { link } = await nextLink(t.smtp, email);
    await follow(link);
    t.server.clock.advance(61_000);
    const confirmed = await signup(email);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.id).not.toBe(first.body.id);
    expect(confirmed.body.identities).toEqual([]);
    expect(confirmed.body.email).toBe(email);
    await t.server.app.mail.deliverDue();
    expect(t.smtp.to(email)).toHaveLength(2);
  });

  it('GET /settings says sign-ups need confirming', async () => {
    const settings = await call(t.server.authUrl, 'GET', '/settings');
    expect(settings.body.mailer_autoconfirm).toBe(false);
    expect(settings.body.external.email).toBe(true);
  });

  it.each([
    [{}, 'Missing one of these types: signup, email_change, sms, phone_change'],
    [{ type: 'signup' }, 'Type provided requires an email address'],
    [{ type: 'sms' }, 'Type provided requires a phone number'],
  ])('POST /resend %j → 400 %s', async (body, message) => {
    const reply = await call(t.server.authUrl, 'POST', '/resend', { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 'validation_failed', message });
  });
});
