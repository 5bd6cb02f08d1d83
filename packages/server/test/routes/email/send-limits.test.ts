/**
 * Sending limits: one email of a kind per address per LATCHKEY_SMTP_MAX_FREQUENCY (GoTrue's 429
 * over_email_send_rate_limit "For security purposes, you can only request this after N seconds."),
 * per client IP, and in all per LATCHKEY_RATE_LIMIT_EMAIL_SENT; registered and unknown addresses
 * answered alike, after the same work.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAIL_PER_IP_PER_HOUR } from '../../../src/routes/email/action-mail.js';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, signUp, uniqueEmail } from '../../helpers.js';
import { startMailTestServer, type MailTestServer } from '../../support/email.js';

describe.each(databaseCases(testDatabases()))('sending limits on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    t = await startMailTestServer(database, { rateLimits: true, trustProxy: true, rateLimitEmailSent: { events: 100, seconds: 3600 } });
  });
  afterAll(() => t?.close());
  // Every counter starts a fresh window per test.
  beforeEach(() => t.server.clock.advance(3_601_000));

  let ip = 0;
  const from = () => ({ 'x-forwarded-for': `192.0.2.${++ip % 250}` });
  const recover = (email: string, headers: Record<string, string> = from()) =>
    call(t.server.authUrl, 'POST', '/recover', { body: { email }, headers });

  it('one recovery email per address per 60 s, the same answer for a registered and an unknown address', async () => {
    const registered = uniqueEmail();
    await signUp(t.server, registered);
    const unknown = uniqueEmail('nobody');
    for (const email of [registered, unknown]) {
      expect((await recover(email)).status).toBe(200);
      t.server.clock.advance(20_000);
      const again = await recover(email);
      expect(again.status).toBe(429);
      expect(again.body).toEqual({
        code: 'over_email_send_rate_limit',
        message: 'For security purposes, you can only request this after 40 seconds.',
      });
      t.server.clock.advance(41_000);
      expect((await recover(email)).status).toBe(200);
    }
    await t.smtp.next(registered);
    await t.smtp.next(registered);
  });

  it('kinds have their own timers (a confirmation does not hold up a recovery), as GoTrue', async () => {
    const email = uniqueEmail();
    await signUp(t.server, email);
    expect((await recover(email)).status).toBe(200);
    expect(
      (
        await call(t.server.authUrl, 'GET', '/reauthenticate', {
          token: (
            await call(t.server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'correct horse battery' } })
          ).body.access_token,
        })
      ).status,
    ).toBe(200);
    expect((await call(t.server.authUrl, 'POST', '/otp', { body: { email } })).status).toBe(429);
  });

  it(`${MAIL_PER_IP_PER_HOUR} emails per IP per hour`, async () => {
    const headers = { 'x-forwarded-for': '198.51.100.77' };
    for (let i = 0; i < MAIL_PER_IP_PER_HOUR; i++) expect((await recover(uniqueEmail('ip'), headers)).status).toBe(200);
    const refused = await recover(uniqueEmail('ip'), headers);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ code: 'over_email_send_rate_limit', message: 'email rate limit exceeded' });
    expect((await recover(uniqueEmail('ip'))).status).toBe(200);
  });

  it('LATCHKEY_RATE_LIMIT_EMAIL_SENT bounds all mail together', async () => {
    const small = await startMailTestServer(database, {
      rateLimits: true,
      trustProxy: true,
      rateLimitEmailSent: { events: 3, seconds: 600 },
    });
    try {
      const send = (n: number) =>
        call(small.server.authUrl, 'POST', '/otp', { body: { email: uniqueEmail() }, headers: { 'x-forwarded-for': `192.0.2.${n}` } });
      for (let i = 0; i < 3; i++) expect((await send(i)).status).toBe(200);
      const fourth = await send(9);
      expect(fourth.status).toBe(429);
      expect(fourth.body.code).toBe('over_email_send_rate_limit');
      small.server.clock.advance(601_000);
      expect((await send(10)).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('a registered and an unknown address do the same work: the same database statements in the same transactions', async () => {
    const counted = countStatements(t.server);
    try {
      const registered = uniqueEmail();
      await signUp(t.server, registered);
      const confirmed = registered;
      const cases: Array<[string, (email: string) => Promise<unknown>]> = [
        ['/recover', (email) => recover(email)],
        [
          '/otp create_user false',
          (email) => call(t.server.authUrl, 'POST', '/otp', { body: { email, create_user: false }, headers: from() }),
        ],
        [
          '/recover with PKCE',
          (email) =>
            call(t.server.authUrl, 'POST', '/recover', {
              body: { email, code_challenge: 'c'.repeat(43), code_challenge_method: 's256' },
              headers: from(),
            }),
        ],
      ];
      for (const [label, request] of cases) {
        t.server.clock.advance(61_000);
        const known = await counted(() => request(registered));
        const unknown = await counted(() => request(uniqueEmail('nobody')));
        expect(unknown, label).toEqual(known);
      }
      // /resend: an unconfirmed address is sent to; a confirmed and an unknown one are not. All alike.
      const unconfirmed = uniqueEmail();
      await call(t.server.authUrl, 'POST', '/admin/users', { token: t.server.secretKey, body: { email: unconfirmed } });
      t.server.clock.advance(61_000);
      const resend = (email: string) => call(t.server.authUrl, 'POST', '/resend', { body: { type: 'signup', email }, headers: from() });
      const sends = await counted(() => resend(unconfirmed));
      expect(await counted(() => resend(confirmed)), 'confirmed').toEqual(sends);
      expect(await counted(() => resend(uniqueEmail('nobody'))), 'unknown').toEqual(sends);
      await t.smtp.next(unconfirmed);
    } finally {
      counted.restore();
    }
  });
});

/**
 * Counts the statements and transactions requests run through `app.db` (the mail queue's background
 * delivery and the audit trail keep their own handle, so they are not counted).
 */
function countStatements(server: MailTestServer['server']) {
  const original = server.app.db;
  let statements = 0;
  let transactions = 0;
  const counting = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property) {
        if (property === 'query') {
          return (...args: unknown[]) => {
            statements++;
            return (object as { query: (...a: unknown[]) => unknown }).query(...args);
          };
        }
        if (property === 'transaction') {
          return (fn: (tx: object) => Promise<unknown>) => {
            transactions++;
            return (object as { transaction: (f: (tx: object) => Promise<unknown>) => unknown }).transaction((tx) => fn(counting(tx)));
          };
        }
        const value = Reflect.get(object, property);
        return typeof value === 'function' ? value.bind(object) : value;
      },
    });
  server.app.db = counting(original);
  const run = async (request: () => Promise<unknown>) => {
    const before = { statements, transactions };
    await request();
    return { statements: statements - before.statements, transactions: transactions - before.transactions };
  };
  return Object.assign(run, { restore: () => (server.app.db = original) });
}
