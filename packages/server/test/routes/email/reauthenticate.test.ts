/**
 * Reauthentication over a real SMTP server: GET (and POST) /reauthenticate mails a code, and with
 * LATCHKEY_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION a session signed in over 24 hours ago
 * needs it as `nonce` to change the password; the nonce works once and a wrong one is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, refresh, signUp, uniqueEmail } from '../../helpers.js';
import { codeIn } from '../../support/smtp-server.js';
import { startMailTestServer, type MailTestServer } from '../../support/email.js';

const DAY = 24 * 3_600_000;

describe.each(databaseCases(testDatabases()))('reauthentication on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    t = await startMailTestServer(database, { securityUpdatePasswordRequireReauthentication: true, jwtExp: 3600 });
  });
  afterAll(() => t?.close());

  /** A session signed in over a day ago, with a fresh access token. */
  async function dayOldSession() {
    const session = await signUp(t.server, uniqueEmail());
    t.server.clock.advance(DAY + 60_000);
    const refreshed = await refresh(t.server.authUrl, session.refresh_token);
    return {
      email: session.user.email,
      token: refreshed.body.access_token as string,
      refreshToken: refreshed.body.refresh_token as string,
    };
  }

  const setPassword = (token: string, body: Record<string, unknown>) => call(t.server.authUrl, 'PUT', '/user', { token, body });

  it('mails a code (GET, as supabase-js calls it, and POST)', async () => {
    const session = await signUp(t.server, uniqueEmail());
    expect((await call(t.server.authUrl, 'GET', '/reauthenticate', { token: session.access_token })).body).toEqual({});
    const mail = await t.smtp.next(session.user.email);
    expect(mail.subject).toMatch(/^\d{6} is your verification code$/);
    expect(codeIn(mail)).toBe(mail.subject.slice(0, 6));
    t.server.clock.advance(61_000);
    expect((await call(t.server.authUrl, 'POST', '/reauthenticate', { token: session.access_token })).status).toBe(200);
    await t.smtp.next(session.user.email);
  });

  it('a session signed in within 24 hours changes the password without a nonce (GoTrue)', async () => {
    const session = await signUp(t.server, uniqueEmail());
    expect((await setPassword(session.access_token, { password: 'a new password 1' })).status).toBe(200);
  });

  it('an older session needs the nonce: none is reauthentication_needed, a wrong one reauthentication_not_valid, the right one works once', async () => {
    const { email, token } = await dayOldSession();
    const none = await setPassword(token, { password: 'a new password 2' });
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ code: 'reauthentication_needed', message: 'Password update requires reauthentication' });
    await call(t.server.authUrl, 'GET', '/reauthenticate', { token });
    const nonce = codeIn(await t.smtp.next(email));
    const wrong = await setPassword(token, { password: 'a new password 2', nonce: nonce === '000000' ? '000001' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toEqual({ code: 'reauthentication_not_valid', message: 'Nonce has expired or is invalid' });
    expect((await setPassword(token, { password: 'a new password 2', nonce })).status).toBe(200);
    expect((await setPassword(token, { password: 'a new password 3', nonce })).body.code).toBe('reauthentication_not_valid');
    expect(
      (await call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'a new password 2' } })).status,
    ).toBe(200);
  });

  it('the nonce expires with LATCHKEY_MAILER_OTP_EXP', async () => {
    const { email, token, refreshToken } = await dayOldSession();
    await call(t.server.authUrl, 'GET', '/reauthenticate', { token });
    const nonce = codeIn(await t.smtp.next(email));
    t.server.clock.advance(3_600_000 + 1_000);
    // The same (day-old) session, with an access token that has not expired.
    const fresh = (await refresh(t.server.authUrl, refreshToken)).body.access_token as string;
    const late = await setPassword(fresh, { password: 'a new password 4', nonce });
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('reauthentication_not_valid');
  });

  it('an unconfirmed address cannot reauthenticate: 422 email_not_confirmed', async () => {
    const email = uniqueEmail();
    const created = await call(t.server.authUrl, 'POST', '/admin/users', {
      token: t.server.secretKey,
      body: { email, password: 'correct horse battery', email_confirm: true },
    });
    const signIn = await call(t.server.authUrl, 'POST', '/token?grant_type=password', {
      body: { email, password: 'correct horse battery' },
    });
    await call(t.server.authUrl, 'PUT', `/admin/users/${created.body.id}`, { token: t.server.secretKey, body: { email_confirm: false } });
    const reply = await call(t.server.authUrl, 'GET', '/reauthenticate', { token: signIn.body.access_token });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ code: 'email_not_confirmed', message: 'Please verify your email first.' });
  });
});
