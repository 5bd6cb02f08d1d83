/**
 * The mail queue against a real SMTP server: a message written in a transaction goes out once the
 * transaction commits (never if it rolls back), is sealed at rest and dropped once delivered, is
 * retried with backoff while the server is down (and the queue reports the transport unavailable),
 * and is given up once its links have expired. Without SMTP, the dev outbox keeps every message
 * and says so in the log, with the link; with SMTP, no log line ever carries a link.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage } from '../../src/mail/transport.js';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, uniqueEmail } from '../helpers.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

function message(to: string, secret = 'a1b2c3d4e5f6'): MailMessage {
  return {
    kind: 'magic_link',
    to,
    subject: `Your sign-in link ${secret}`,
    text: `Open https://auth.example.com/verify?token=${secret}&type=magiclink`,
    html: `<a href="https://auth.example.com/verify?token=${secret}&amp;type=magiclink">Sign in</a>`,
    link: `https://auth.example.com/verify?token=${secret}&type=magiclink`,
    code: '123456',
  };
}

async function send(server: TestServer, mail: MailMessage) {
  const queued = await server.app.db.transaction((tx) => server.app.mail.enqueue(tx, mail));
  server.app.mail.settle([queued]);
  return queued;
}

describe.each(databaseCases(testDatabases()))('mail over SMTP on %s', (_name, database) => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer({ auth: { username: 'latchkey', password: 'smtp-secret' } });
    server = await startTestServer({
      database,
      config: {
        smtpHost: '127.0.0.1',
        smtpPort: smtp.port,
        smtpUser: 'latchkey',
        smtpPass: 'smtp-secret',
        smtpAdminEmail: 'auth@example.com',
        smtpSenderName: 'Example Auth',
        mailerOtpExp: 600,
        logLevel: 'info',
      },
      logger: {
        info: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
        warn: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
        error: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.stop();
  });
  afterEach(async () => {
    await smtp.start();
    await server.app.mail.probe();
  });

  it('delivers a committed message, logged in with the configured credentials, From the admin address', async () => {
    const to = uniqueEmail();
    await send(server, message(to));
    const mail = await smtp.next(to);
    expect(mail.subject).toBe('Your sign-in link a1b2c3d4e5f6');
    expect(mail.text).toContain('https://auth.example.com/verify?token=a1b2c3d4e5f6&type=magiclink');
    expect(mail.html).toContain('href="https://auth.example.com/verify?token=a1b2c3d4e5f6&amp;type=magiclink"');
    expect(mail.from).toBe('auth@example.com');
    expect(mail.parsed.from?.value[0]).toEqual({ address: 'auth@example.com', name: 'Example Auth' });
    expect(smtp.logins).toContainEqual({ username: 'latchkey', password: 'smtp-secret' });
  });

  it('sends nothing when the transaction rolls back', async () => {
    const to = uniqueEmail();
    await expect(
      server.app.db.transaction(async (tx) => {
        await server.app.mail.enqueue(tx, message(to));
        throw new Error('the rest of the request failed');
      }),
    ).rejects.toThrow('the rest of the request failed');
    await server.app.mail.deliverDue();
    const rows = await server.app.db.query('SELECT id FROM mail WHERE to_address = $1', [to]);
    expect(rows).toHaveLength(0);
    expect(smtp.to(to)).toHaveLength(0);
  });

  it('keeps the message sealed while queued and drops it once delivered', async () => {
    const to = uniqueEmail();
    await smtp.stop();
    const secret = 'f00dfeedcafe';
    await send(server, message(to, secret));
    await server.app.mail.deliverDue();
    const [queued] = await server.app.db.query<{ sealed: string; status: string }>(
      'SELECT sealed, status FROM mail WHERE to_address = $1',
      [to],
    );
    expect(queued?.status).toBe('queued');
    expect(queued?.sealed).toMatch(/^v1\./);
    expect(queued?.sealed).not.toContain(secret);
    expect(Buffer.from(queued!.sealed.split('.')[2]!, 'base64url').toString('latin1')).not.toContain(secret);
    // Not even the admin API shows a queued message's content when SMTP delivers it.
    const listed = await call(server.authUrl, 'GET', `/admin/outbox?to=${encodeURIComponent(to)}`, { token: server.secretKey });
    expect(listed.body.messages[0]).toMatchObject({ status: 'queued' });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    await smtp.start();
    server.clock.advance(16_000);
    await server.app.mail.deliverDue();
    await smtp.next(to);
    const [sent] = await server.app.db.query<{ sealed: string | null; status: string }>(
      'SELECT sealed, status FROM mail WHERE to_address = $1',
      [to],
    );
    expect(sent).toEqual({ sealed: null, status: 'sent' });
  });

  it('SMTP down: the message waits, the transport is reported unavailable, then it goes out with backoff when the server is back', async () => {
    const to = uniqueEmail();
    await smtp.stop();
    expect(server.app.mail.available).toBe(true);
    await send(server, message(to));
    await server.app.mail.deliverDue();
    expect(server.app.mail.available).toBe(false);
    const [row] = await server.app.db.query<{ status: string; attempts: number; last_error: string }>(
      'SELECT status, attempts, last_error FROM mail WHERE to_address = $1',
      [to],
    );
    expect(row?.status).toBe('queued');
    expect(Number(row?.attempts)).toBe(1);
    expect(row?.last_error).toMatch(/^E[A-Z]+/);
    // Still down: the second attempt waits for the first retry delay (15 s), then fails again.
    server.clock.advance(10_000);
    await server.app.mail.deliverDue();
    expect(
      Number((await server.app.db.query<{ attempts: number }>('SELECT attempts FROM mail WHERE to_address = $1', [to]))[0]?.attempts),
    ).toBe(1);
    server.clock.advance(6_000);
    await server.app.mail.deliverDue();
    expect(
      Number((await server.app.db.query<{ attempts: number }>('SELECT attempts FROM mail WHERE to_address = $1', [to]))[0]?.attempts),
    ).toBe(2);
    // Back: a probe sees it and sends what waited, without waiting for the next retry.
    await smtp.start();
    await server.app.mail.probe();
    expect(server.app.mail.available).toBe(true);
    server.clock.advance(30_000);
    await server.app.mail.deliverDue();
    const mail = await smtp.next(to);
    expect(mail.subject).toContain('Your sign-in link');
    expect(smtp.to(to)).toHaveLength(1);
  });

  it('one failed connection holds back the rest of the batch (no timeout per message); all go when the server is back', async () => {
    const recipients = [uniqueEmail('batch'), uniqueEmail('batch'), uniqueEmail('batch')];
    await smtp.stop();
    const queued = await server.app.db.transaction(async (tx) =>
      Promise.all(recipients.map((to) => server.app.mail.enqueue(tx, message(to)))),
    );
    server.app.mail.settle(queued);
    await server.app.mail.deliverDue();
    const rows = await server.app.db.query<{ attempts: number }>('SELECT attempts FROM mail WHERE to_address = ANY($1::text[])', [
      recipients,
    ]);
    expect(rows.map((r) => Number(r.attempts)).sort()).toEqual([0, 0, 1]);
    await smtp.start();
    await server.app.mail.probe();
    for (const to of recipients) await smtp.next(to);
  });

  it('gives a message up once its links have expired (LATCHKEY_MAILER_OTP_EXP)', async () => {
    const to = uniqueEmail();
    await smtp.stop();
    await send(server, message(to));
    for (let i = 0; i < 20; i++) {
      await server.app.mail.deliverDue();
      server.clock.advance(60_000);
    }
    const [row] = await server.app.db.query<{ status: string; sealed: string | null }>(
      'SELECT status, sealed FROM mail WHERE to_address = $1',
      [to],
    );
    expect(row).toEqual({ status: 'failed', sealed: null });
    await smtp.start();
    await server.app.mail.probe();
    server.clock.advance(3_600_000);
    await server.app.mail.deliverDue();
    expect(smtp.to(to)).toHaveLength(0);
  });

  it('GET /admin/outbox shows the delivery state without the message', async () => {
    const to = uniqueEmail();
    await send(server, message(to));
    await smtp.next(to);
    await server.app.mail.deliverDue();
    const reply = await call(server.authUrl, 'GET', `/admin/outbox?to=${encodeURIComponent(to)}`, { token: server.secretKey });
    expect(reply.status).toBe(200);
    expect(reply.body.transport).toBe('smtp');
    expect(reply.body.messages).toHaveLength(1);
    expect(reply.body.messages[0]).toMatchObject({ to, kind: 'magic_link', status: 'sent', attempts: 1 });
    expect(reply.body.messages[0].subject).toBeUndefined();
    expect(reply.body.messages[0].link).toBeUndefined();
  });

  it('never logs a link or a message when SMTP is configured', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toMatch(/verify\?token=|a1b2c3d4e5f6|f00dfeedcafe|123456/);
    }
  });
});

describe.each(databaseCases(testDatabases()))('the dev outbox on %s', (_name, database) => {
  let server: TestServer;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    server = await startTestServer({
      database,
      config: { logLevel: 'info' },
      logger: { info: (msg, fields) => lines.push({ msg, ...fields }), warn: () => {}, error: () => {} },
    });
  });
  afterAll(() => server?.close());

  it('keeps every message, lists it newest first (also by address), and logs its arrival with the link', async () => {
    const to = uniqueEmail();
    const other = uniqueEmail();
    await send(server, message(to, 'aaaa1111'));
    server.clock.advance(1_000);
    await send(server, message(other));
    server.clock.advance(1_000);
    await send(server, message(to, 'bbbb2222'));
    const all = await call(server.authUrl, 'GET', '/admin/outbox', { token: server.secretKey });
    expect(all.body.transport).toBe('outbox');
    expect(all.body.messages.slice(0, 3).map((m: { to: string }) => m.to)).toEqual([to, other, to]);
    const mine = await call(server.authUrl, 'GET', `/admin/outbox?to=${encodeURIComponent(to.toUpperCase())}`, { token: server.secretKey });
    expect(mine.body.messages).toHaveLength(2);
    expect(mine.body.messages[0]).toMatchObject({
      to,
      kind: 'magic_link',
      status: 'outbox',
      subject: 'Your sign-in link bbbb2222',
      link: 'https://auth.example.com/verify?token=bbbb2222&type=magiclink',
      code: '123456',
    });
    expect(mine.body.messages[0].text).toContain('bbbb2222');
    expect(mine.body.messages[0].html).toContain('bbbb2222');
    const logged = lines.filter((l) => l.to === to);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ kind: 'magic_link', link: 'https://auth.example.com/verify?token=aaaa1111&type=magiclink' });
    expect(String(logged[0]!.msg)).toContain('dev outbox');
  });

  it("is the secret key's to read", async () => {
    expect((await call(server.authUrl, 'GET', '/admin/outbox')).status).toBe(401);
    expect((await call(server.authUrl, 'GET', '/admin/outbox', { token: server.publishableKey })).status).toBe(401);
  });
});
