/**
 * Sending mail without losing it and without holding a request on it.
 *
 * A route writes its message into the `mail` table in the same transaction as the rest of what it
 * does (the token the message carries, the user it confirms): both commit, or neither. Then:
 *
 * - dev outbox (no SMTP): the row is the delivery. A log line says it arrived, with its link.
 * - SMTP: the row is queued, and this process is woken to deliver it at once. A failed attempt is
 *   retried with exponential backoff (15 s, 30 s, 1 min, … up to 15 min between attempts) until
 *   it is delivered, refused for good by the server (a 5xx), or its link has expired
 *   (LATCHKEY_MAILER_OTP_EXP): mail nobody can use any more is not worth sending. Any process on
 *   the database may deliver any queued row: a lease on each claimed row keeps two from sending
 *   it at once, and lets another retry it if its sender dies mid-way.
 *
 * A request never waits for SMTP, so the time it takes says nothing about whether a message went
 * out (the same for registered and unknown addresses). What the API answers when mail cannot be
 * sent: while the SMTP server is known to be failing (a delivery or a probe could not connect or
 * log in, and none has succeeded since), `available` is false and the routes that would send mail
 * answer as GoTrue does when its send fails, 500 `unexpected_failure` "Error sending … email",
 * before they change anything, for registered and unknown addresses alike. Messages queued before
 * the failure was noticed stay queued and go out when the server is back.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { seal, unseal } from '../crypto/seal.js';
import type { Database, Queryable } from '../db/database.js';
import type { Logger } from '../log.js';
import {
  claimDueMail,
  insertMail,
  listMail,
  markMailFailed,
  markMailRetry,
  markMailSent,
  releaseMail,
  retryWaitingMailNow,
  type MailRow,
} from '../store/mail.js';
import { MailSendError, type MailMessage, type MailTransport } from './transport.js';

/** Longest a claimed message is held by one sender (above nodemailer's timeouts: 10 s + 10 s + 30 s). */
const LEASE_MS = 120_000;
const FIRST_RETRY_MS = 15_000;
const MAX_RETRY_MS = 15 * 60_000;
/** How often a process looks for due messages it was not woken for (other processes', retries). */
const POLL_MS = 15_000;
/** How often a process probes an SMTP server it knows to be failing. */
const PROBE_MS = 10_000;
const BATCH = 20;

/** A message written in a transaction, to hand to `settle` once that transaction committed. */
export interface QueuedMail {
  id: string;
  message: MailMessage;
}

/** A message as the dev outbox and GET /admin/outbox show it. */
export interface OutboxEntry {
  id: string;
  created_at: string;
  kind: string;
  to: string;
  status: string;
  attempts: number;
  sent_at: string | null;
  last_error: string | null;
  /** Absent once delivered over SMTP (the body is not kept). */
  subject?: string;
  text?: string;
  html?: string;
  link?: string;
  code?: string;
}

export interface MailQueueOptions {
  db: Database;
  transport: MailTransport;
  clock: Clock;
  log: Logger;
  /** Key that seals stored messages (derived from the secret key). */
  sealKey: Buffer;
  /** Seconds after which a queued message is abandoned: the lifetime of the links it carries. */
  giveUpAfterSeconds: number;
  onDelivered?: () => void;
  onFailure?: (error: MailSendError, outcome: 'retry' | 'given_up') => void;
}

export class MailQueue {
  private down = false;
  /** The last delivery attempt could not reach or log in to the server. */
  private failedToConnect = false;
  private running: Promise<void> | undefined;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly options: MailQueueOptions) {}

  get transportKind(): 'smtp' | 'outbox' {
    return this.options.transport.kind;
  }

  /** False while the SMTP server is known to be failing; the dev outbox is always available. */
  get available(): boolean {
    return !this.down;
  }

  /** Writes a message in the caller's transaction. Hand the result to `settle` after it commits. */
  async enqueue(tx: Queryable, message: MailMessage): Promise<QueuedMail> {
    const id = randomUUID();
    const now = new Date(this.options.clock());
    await insertMail(tx, {
      id,
      now,
      kind: message.kind,
      to: message.to,
      sealed: seal(this.options.sealKey, JSON.stringify(pick(message)), id),
      status: this.options.transport.kind === 'outbox' ? 'outbox' : 'queued',
    });
    return { id, message };
  }

  /**
   * Records, in the caller's transaction, a message a request must not send (an unknown address),
   * after the same sealing work as a real one; it is never delivered and keeps no content.
   */
  async suppress(tx: Queryable, message: MailMessage, reason: string, now: Date): Promise<void> {
    const id = randomUUID();
    seal(this.options.sealKey, JSON.stringify(pick(message)), id);
    await insertMail(tx, { id, now, kind: message.kind, to: message.to, sealed: null, status: 'suppressed', reason });
  }

  /** After the commit: the dev outbox announces each message; SMTP delivery starts. */
  settle(mails: readonly QueuedMail[]): void {
    if (mails.length === 0) return;
    if (this.options.transport.kind === 'outbox') {
      for (const { message } of mails) void this.options.transport.send(message);
      return;
    }
    this.kick();
  }

  /** Starts a delivery pass now, or right after the one running. */
  kick(): void {
    if (this.options.transport.kind === 'outbox' || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.options.log.warn('mail delivery pass failed', { error: (error as Error).message });
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Delivers every due message (one pass, waiting for any pass already running). Tests call it after moving the clock. */
  async deliverDue(): Promise<void> {
    if (this.options.transport.kind === 'outbox') return;
    while (this.running) await this.running;
    this.kick();
    while (this.running) await this.running;
  }

  private async pass(): Promise<void> {
    const { db, clock } = this.options;
    for (;;) {
      const now = new Date(clock());
      const claimed = await claimDueMail(db, now, new Date(now.getTime() + LEASE_MS), BATCH);
      for (const [i, row] of claimed.entries()) {
        if (i > 0 && this.failedToConnect) {
          // The server just failed to answer: the rest of the batch would only wait out the same
          // timeouts one by one. It goes with the next retry or probe, its attempt uncounted.
          for (const rest of claimed.slice(i)) await releaseMail(db, rest.id, new Date(clock() + FIRST_RETRY_MS));
          this.schedule(FIRST_RETRY_MS);
          return;
        }
        this.failedToConnect = false;
        await this.deliver(row);
      }
      if (claimed.length < BATCH || this.stopped) return;
    }
  }

  private async deliver(row: MailRow): Promise<void> {
    const { db, clock, log, transport, sealKey, giveUpAfterSeconds } = this.options;
    const opened = row.sealed === null ? undefined : unseal(sealKey, row.sealed, row.id);
    if (opened === undefined) {
      // Sealed under another secret key (LATCHKEY_SECRET_KEY changed), or altered: undeliverable.
      await markMailFailed(db, row.id, 'cannot be unsealed');
      log.warn('queued mail cannot be unsealed (was LATCHKEY_SECRET_KEY changed?); dropped', { mail_id: row.id });
      return;
    }
    const message = { ...(JSON.parse(opened) as Omit<MailMessage, 'kind' | 'to'>), kind: row.kind, to: row.to_address } as MailMessage;
    try {
      await transport.send(message);
      await markMailSent(db, row.id, new Date(clock()));
      if (this.down) {
        log.info('SMTP server reachable again; sending mail');
        this.down = false;
        await retryWaitingMailNow(db, new Date(clock()));
        this.again = true;
      }
      this.options.onDelivered?.();
    } catch (error) {
      if (!(error instanceof MailSendError)) throw error;
      const now = clock();
      const age = (now - new Date(row.created_at).getTime()) / 1000;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (row.attempts - 1));
      this.failedToConnect = error.transportDown;
      if (error.transportDown && !this.down) {
        this.down = true;
        // Ids and codes only: never an address's message, subject or link.
        log.warn('SMTP server failing; requests that send mail answer 500 until it is back', { error: error.summary });
      }
      if (error.permanent || age + delay / 1000 > giveUpAfterSeconds) {
        this.options.onFailure?.(error, 'given_up');
        await markMailFailed(db, row.id, error.summary);
        log.warn('mail not delivered; given up', { mail_id: row.id, kind: row.kind, attempts: row.attempts, error: error.summary });
        return;
      }
      this.options.onFailure?.(error, 'retry');
      await markMailRetry(db, row.id, new Date(now + delay), error.summary);
      log.warn('mail not delivered; will retry', {
        mail_id: row.id,
        kind: row.kind,
        attempts: row.attempts,
        retry_in_s: delay / 1000,
        error: error.summary,
      });
      this.schedule(delay);
    }
  }

  /** While the server is failing: checks it; when it answers again, delivers what waits. */
  async probe(): Promise<void> {
    if (!this.down) return;
    try {
      await this.options.transport.verify();
    } catch {
      return;
    }
    this.options.log.info('SMTP server reachable again; sending mail');
    this.down = false;
    // What waited out the outage goes now, not at its next retry (which may be minutes away).
    await retryWaitingMailNow(this.options.db, new Date(this.options.clock()));
    await this.deliverDue();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      this.kick();
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Starts the periodic passes (other processes' messages, retries) and probes. */
  start(): void {
    if (this.options.transport.kind === 'outbox') return;
    const poll = setInterval(() => this.kick(), POLL_MS);
    const probe = setInterval(() => void this.probe(), PROBE_MS);
    poll.unref();
    probe.unref();
    this.timers.push(poll, probe);
    this.kick();
    // A server that cannot be reached at start is known to be failing from the start.
    void this.options.transport.verify().catch((error: unknown) => {
      if (!(error instanceof MailSendError) || !error.transportDown || this.stopped) return;
      this.down = true;
      this.options.log.warn('SMTP server failing at start; requests that send mail answer 500 until it is back', { error: error.summary });
    });
  }

  /** Stops the timers and waits for a pass in flight; undelivered messages stay queued for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    while (this.running) await this.running;
    this.options.transport.close();
  }

  /** The latest messages (the dev outbox, or the SMTP queue's state), newest first. */
  async list(filter: { to?: string; limit: number }): Promise<OutboxEntry[]> {
    const rows = await listMail(this.options.db, filter);
    // With SMTP the listing is about delivery: the messages (and their links) are the recipients' only.
    const showContent = this.options.transport.kind === 'outbox';
    return rows.map((row) => {
      const opened = row.sealed === null || !showContent ? undefined : unseal(this.options.sealKey, row.sealed, row.id);
      const content = opened === undefined ? {} : (JSON.parse(opened) as Omit<MailMessage, 'kind' | 'to'>);
      return {
        id: row.id,
        created_at: new Date(row.created_at).toISOString(),
        kind: row.kind,
        to: row.to_address,
        status: row.status,
        attempts: Number(row.attempts),
        sent_at: row.sent_at ? new Date(row.sent_at).toISOString() : null,
        last_error: row.last_error,
        ...content,
      };
    });
  }
}

function pick(message: MailMessage) {
  return {
    subject: message.subject,
    text: message.text,
    html: message.html,
    ...(message.link ? { link: message.link } : {}),
    ...(message.code ? { code: message.code } : {}),
  };
}
