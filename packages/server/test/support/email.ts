/** A Latchkey test server wired to a real SMTP server, and helpers to follow what arrives there. */
import type { Config } from '../../src/config.js';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer, linkIn } from './smtp-server.js';

export interface MailTestServer {
  server: TestServer;
  smtp: TestSmtpServer;
  close(): Promise<void>;
}

export const SITE_URL = 'https://app.example.com';

export async function startMailTestServer(database: string, config: Partial<Config> = {}): Promise<MailTestServer> {
  const smtp = await startSmtpServer();
  const server = await startTestServer({
    database,
    config: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpAdminEmail: 'auth@example.com', siteUrl: SITE_URL, ...config },
  });
  return {
    server,
    smtp,
    async close() {
      await server.close();
      await smtp.stop();
    },
  };
}

export interface Followed {
  status: number;
  location: string;
  url: URL;
  /** The fragment's parameters (the session, or the error). */
  fragment: URLSearchParams;
}

/** Follows a link one hop (no redirect following): what the browser would be sent to. */
export async function follow(link: string): Promise<Followed> {
  const res = await fetch(link, { redirect: 'manual' });
  const location = res.headers.get('location') ?? '';
  const url = new URL(location || 'http://invalid/');
  return { status: res.status, location, url, fragment: new URLSearchParams(url.hash.slice(1)) };
}

/** The link of the next message to `to`. */
export async function nextLink(smtp: TestSmtpServer, to: string): Promise<{ mail: ReceivedMail; link: string }> {
  const mail = await smtp.next(to);
  return { mail, link: linkIn(mail) };
}

/** The `token` (link token) of a link to GET /verify. */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token') ?? '';
}
