/** The SMTP transport: nodemailer, configured by LATCHKEY_SMTP_*. */
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import { MailSendError, type MailMessage, type MailTransport } from './transport.js';

/** nodemailer's codes for failures before the server judged the message: nothing reached it. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'EPROTOCOL', 'ECONNREFUSED']);

function classify(error: unknown): MailSendError {
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  const summary = [code ?? 'EUNKNOWN', responseCode ? `reply ${responseCode}` : ''].filter(Boolean).join(' ');
  // A 5xx reply to the envelope or the content is the server's final word on this message; a 4xx
  // is its "try later" (RFC 5321 §4.2.1); no reply at all means we never got to ask.
  const permanent = responseCode !== undefined && responseCode >= 500 && (code === 'EENVELOPE' || code === 'EMESSAGE');
  const transportDown = code === 'EAUTH' || (responseCode === undefined && (code === undefined || CONNECTION_CODES.has(code)));
  return new MailSendError(summary, permanent, transportDown);
}

export function smtpTransport(config: Config): MailTransport {
  if (!config.smtpHost) throw new Error('smtpTransport needs LATCHKEY_SMTP_HOST');
  if (!config.smtpAdminEmail)
    throw new Error('LATCHKEY_SMTP_ADMIN_EMAIL must be set with LATCHKEY_SMTP_HOST: it is the From address of every email');
  const transporter = nodemailer.createTransport({
    host: config.smtpHost,
    port: config.smtpPort,
    // 465 is SMTP over TLS from the first byte (RFC 8314); other ports upgrade with STARTTLS when the
    // server offers it (nodemailer's default).
    secure: config.smtpPort === 465,
    auth: config.smtpUser ? { user: config.smtpUser, pass: config.smtpPass ?? '' } : undefined,
    // Bounded, so a server that stops answering holds a delivery (never a request) for seconds.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const from = { name: config.smtpSenderName ?? '', address: config.smtpAdminEmail };
  return {
    kind: 'smtp',
    async send(message: MailMessage) {
      try {
        await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      } catch (error) {
        throw classify(error);
      }
    },
    async verify() {
      try {
        await transporter.verify();
      } catch (error) {
        throw classify(error);
      }
    },
    close() {
      transporter.close();
    },
  };
}
