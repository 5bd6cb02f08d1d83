/**
 * The dev outbox: with no SMTP server configured, every message stays in the database (the `mail`
 * table, status `outbox`) where `latchkey outbox` and GET /admin/outbox read it, and a log line
 * says it arrived, with its link, so a developer can follow every flow with no mail server.
 *
 * Only this transport ever logs a link: a process with SMTP configured never does.
 */
import type { Logger } from '../log.js';
import type { MailMessage, MailTransport } from './transport.js';

export function outboxTransport(log: Logger): MailTransport {
  return {
    kind: 'outbox',
    async send(message: MailMessage) {
      log.info('mail in the dev outbox (no LATCHKEY_SMTP_HOST; read it with "npx latchkey outbox")', {
        to: message.to,
        kind: message.kind,
        subject: message.subject,
        ...(message.link ? { link: message.link } : {}),
      });
    },
    async verify() {},
    close() {},
  };
}
