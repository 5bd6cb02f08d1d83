/**
 * A real SMTP server for the tests (smtp-server, the same library many mail services run), on a
 * free local port: every message Latchkey sends over SMTP arrives here and is parsed with
 * mailparser, so tests read the subject, the text and HTML bodies and the links as a recipient's
 * mail client would. It can be stopped and started again on the same port (SMTP down, SMTP back).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's recipients, as the server received them. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  port: number;
  /** Every message received so far, oldest first. */
  received: ReceivedMail[];
  /** The next message to `to` not yet returned by `next`, waiting up to `timeoutMs` for it to arrive. */
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** Messages to `to` received so far. */
  to(address: string): ReceivedMail[];
  /** Closes the port: connections are refused until `start()`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** The credentials clients logged in with. */
  logins: Array<{ username: string; password: string }>;
}

export async function startSmtpServer(options: { auth?: { username: string; password: string } } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const logins: TestSmtpServer['logins'] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: Array<() => void> = [];
  let port = 0;
  let server: SMTPServer | undefined;

  const create = () =>
    new SMTPServer({
      // No TLS certificate in a test: plain SMTP on loopback, no STARTTLS offered.
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
        if (options.auth && (auth.username !== options.auth.username || auth.password !== options.auth.password)) {
          callback(new Error('Invalid username or password'));
          return;
        }
        callback(null, { user: auth.username });
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              parsed,
            });
            for (const wake of waiters.splice(0)) wake();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });

  const listen = async () => {
    server = create();
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.server.address() as AddressInfo).port;
  };
  await listen();

  const unread = (address: string) => received.find((m) => !taken.has(m) && m.to.includes(address));

  return {
    get port() {
      return port;
    },
    received,
    logins,
    to: (address) => received.filter((m) => m.to.includes(address)),
    async next(to, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = unread(to);
        if (found) {
          taken.add(found);
          return found;
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `no mail to ${to} within ${timeoutMs} ms (received: ${received.map((m) => m.to.join(',')).join('; ') || 'none'})`,
          );
        // Woken by the next arrival (an event, not a sleep), or by the deadline.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}

/** The first http(s) link in a message's text. */
export function linkIn(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+/.exec(mail.text);
  if (!match) throw new Error(`no link in: ${mail.text}`);
  return match[0];
}

/** The first run of 6–10 digits standing alone in a message's text: the one-time code. */
export function codeIn(mail: ReceivedMail): string {
  // Links and addresses hold digits too (hex tokens, generated local parts): leave them out.
  const match = /(?<![\d/=&.-])\d{6,10}(?![\d/&])/.exec(mail.text.replace(/https?:\/\/\S+/g, '').replace(/\S+@\S+/g, ''));
  if (!match) throw new Error(`no code in: ${mail.text}`);
  return match[0];
}
