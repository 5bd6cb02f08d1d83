/**
 * Magic links and email one-time codes (POST /otp, legacy POST /magiclink) over a real SMTP
 * server: new and existing users, create_user false without enumeration, user metadata, the code
 * verified with the address (types magiclink and email), and wrong codes limited per address and
 * per IP until a correct one is refused too.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, signUp, uniqueEmail } from '../../helpers.js';
import { codeIn } from '../../support/smtp-server.js';
import { follow, nextLink, startMailTestServer, tokenOf, type MailTestServer } from '../../support/email.js';
import { GUESSES_PER_ADDRESS, GUESSES_PER_IP } from '../../../src/routes/email/guesses.js';

describe.each(databaseCases(testDatabases()))('POST /otp on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    t = await startMailTestServer(database);
  });
  afterAll(() => t?.close());

  const otp = (body: unknown) => call(t.server.authUrl, 'POST', '/otp', { body });

  it('a new address: the user is created with data; the magic link signs them in and confirms the address', async () => {
    const email = uniqueEmail();
    const reply = await otp({ email, data: { name: 'Ada' }, create_user: true });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({});
    const { mail, link } = await nextLink(t.smtp, email);
    expect(mail.subject).toBe('Your sign-in link');
    expect(new URL(link).searchParams.get('type')).toBe('magiclink');
    const landed = await follow(link);
    const token = landed.fragment.get('access_token')!;
    const user = await call(t.server.authUrl, 'GET', '/user', { token });
    expect(user.body).toMatchObject({ email, user_metadata: { name: 'Ada' } });
    expect(user.body.email_confirmed_at).toBeTruthy();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.amr[0].method).toBe('otp');
  });

  it('the code, with type email or magiclink, signs in; the same code twice does not', async () => {
    const email = uniqueEmail();
    await signUp(t.server, email);
    await otp({ email });
    const code = codeIn(await t.smtp.next(email));
    const first = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'email', email, token: code } });
    expect(first.status).toBe(200);
    expect(first.body.user.email).toBe(email);
    const second = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'email', email, token: code } });
    expect(second.status).toBe(403);
    expect(second.body.code).toBe('otp_expired');
    t.server.clock.advance(61_000);
    await otp({ email });
    const another = codeIn(await t.smtp.next(email));
    expect(
      (await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'magiclink', email: email.toUpperCase(), token: another } })).status,
    ).toBe(200);
  });

  it('token_hash from the email (its link token) verifies too', async () => {
    const email = uniqueEmail();
    await otp({ email });
    const { link } = await nextLink(t.smtp, email);
    const reply = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'magiclink', token_hash: tokenOf(link) } });
    expect(reply.status).toBe(200);
    expect(reply.body.user.email).toBe(email);
  });

  it('create_user false: an unknown address gets the same answer as a registered one, and no mail', async () => {
    const registered = uniqueEmail();
    await signUp(t.server, registered);
    const unknown = uniqueEmail('nobody');
    const a = await otp({ email: registered, create_user: false });
    const b = await otp({ email: unknown, create_user: false });
    expect([a.status, a.body]).toEqual([200, {}]);
    expect([b.status, b.body]).toEqual([200, {}]);
    await t.smtp.next(registered);
    await t.server.app.mail.deliverDue();
    expect(t.smtp.to(unknown)).toHaveLength(0);
    const users = await call(t.server.authUrl, 'GET', `/admin/users?filter=${encodeURIComponent(unknown)}`, { token: t.server.secretKey });
    expect(users.body.users).toHaveLength(0);
  });

  it('POST /magiclink (legacy) sends the same link', async () => {
    const email = uniqueEmail();
    const reply = await call(t.server.authUrl, 'POST', '/magiclink', { body: { email } });
    expect(reply.status).toBe(200);
    const { link } = await nextLink(t.smtp, email);
    expect((await follow(link)).fragment.get('access_token')).toBeTruthy();
  });

  it.each([
    [{}, 400, 'validation_failed', 'One of email or phone must be set'],
    [
      { email: 'a@example.com', phone: '+15555550100' },
      400,
      'validation_failed',
      'Only an email address or phone number should be provided',
    ],
    [{ phone: '+15555550100' }, 400, 'phone_provider_disabled', 'Unsupported phone provider'],
    [
      { email: 'a@example.com', code_challenge: 'x'.repeat(43) },
      400,
      'validation_failed',
      'PKCE flow requires code_challenge_method and code_challenge',
    ],
    [
      { email: 'a@example.com', code_challenge: 'short', code_challenge_method: 's256' },
      400,
      'validation_failed',
      'code challenge has to be between 43 and 128 characters',
    ],
  ])('%j → %i %s', async (body, status, code, message) => {
    const reply = await otp(body);
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual({ code, message });
  });
});

describe.each(databaseCases(testDatabases()))('wrong codes on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    // Behind a proxy: the client IP is X-Forwarded-For's, so one test can guess from many IPs.
    t = await startMailTestServer(database, { rateLimits: true, trustProxy: true, rateLimitEmailSent: { events: 1000, seconds: 3600 } });
  });
  afterAll(() => t?.close());
  // Each test starts in a fresh hour of every counter.
  beforeEach(() => t.server.clock.advance(3_601_000));

  const wrong = (code: string) => (code === '000000' ? '000001' : '000000');

  it(`an address gets ${GUESSES_PER_ADDRESS} wrong codes an hour; then even the right one is refused, until the hour has passed`, async () => {
    const email = uniqueEmail();
    await call(t.server.authUrl, 'POST', '/otp', { body: { email } });
    const code = codeIn(await t.smtp.next(email));
    for (let i = 0; i < GUESSES_PER_ADDRESS; i++) {
      const reply = await call(t.server.authUrl, 'POST', '/verify', {
        body: { type: 'email', email, token: wrong(code) },
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('otp_expired');
    }
    const right = await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'email', email, token: code } });
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('over_request_rate_limit');
    expect(right.body.message).toMatch(
      /^Too many failed verification attempts\. For security purposes, you can only try again after \d+ seconds\.$/,
    );
    // An hour later the address may try again.
    t.server.clock.advance(3_601_000);
    await call(t.server.authUrl, 'POST', '/otp', { body: { email } });
    const fresh = codeIn(await t.smtp.next(email));
    expect((await call(t.server.authUrl, 'POST', '/verify', { body: { type: 'email', email, token: fresh } })).status).toBe(200);
  });

  it(`an IP gets ${GUESSES_PER_IP} wrong codes an hour across addresses (links included); other IPs are unaffected`, async () => {
    const from = { 'x-forwarded-for': '203.0.113.9' };
    const guess = (headers = from) =>
      call(t.server.authUrl, 'POST', '/verify', { body: { type: 'email', email: uniqueEmail('guess'), token: '123456' }, headers });
    for (let i = 0; i < GUESSES_PER_IP - 1; i++) expect((await guess()).status).toBe(403);
    const link = await call(t.server.authUrl, 'POST', '/verify', {
      body: { type: 'magiclink', token_hash: 'f'.repeat(64) },
      headers: from,
    });
    expect(link.status).toBe(403);
    expect((await guess()).status).toBe(429);
    expect((await guess({ 'x-forwarded-for': '203.0.113.10' })).status).toBe(403);
    t.server.clock.advance(3_601_000);
    expect((await guess()).status).toBe(403);
  });
});
