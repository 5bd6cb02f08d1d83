/**
 * Where mail goes: the one small interface in front of the outside world's mail servers. Two
 * implementations: SMTP (smtp.ts, when LATCHKEY_SMTP_HOST is set) and the dev outbox
 * (outbox.ts: messages stay in the database for `latchkey outbox` and GET /admin/outbox).
 * The queue (queue.ts) drives either one.
 */
import type { TemplateName } from './templates.js';

/** An email ready to go. */
export interface MailMessage {
  kind: TemplateName;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The message's action link, if any (the dev outbox logs and lists it). */
  link?: string;
  /** The one-time code in it, if any (the dev outbox lists it). */
  code?: string;
}

export interface MailTransport {
  /** `smtp` hands messages to a server; `outbox` keeps them in the database, where they are read. */
  readonly kind: 'smtp' | 'outbox';
  /** Hands one message over; throws `MailSendError` when it could not. */
  send(message: MailMessage): Promise<void>;
  /** Checks that the server answers and accepts our credentials, without sending anything. */
  verify(): Promise<void>;
  close(): void;
}

export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(
    /** A short, credential-free description: the transport's error code and the server's reply code. */
    readonly summary: string,
    /** True when the server refused this message for good (a 5xx to its recipient or content): no retry. */
    readonly permanent: boolean,
    /** True when the server could not be reached or refused us (connection, TLS, authentication). */
    readonly transportDown: boolean,
  ) {
    super(`mail not sent: ${summary}`);
  }
}
