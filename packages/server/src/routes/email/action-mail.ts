/**
 * What every mailing flow shares: the limits on sending, the check that mail can be sent at all,
 * minting a one-time token for an action, and writing the email that carries it. Routes call these
 * inside their transaction and settle the queued mail after it commits.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../app.js';
import { hashCode, hashLinkToken, mintOneTimeSecrets, PKCE_PREFIX } from '../../crypto/one-time-token.js';
import type { Queryable } from '../../db/database.js';
import { LatchkeyError } from '../../errors.js';
import type { RequestInfo } from '../../http/route.js';
import type { QueuedMail } from '../../mail/queue.js';
import type { TemplateName } from '../../mail/templates.js';
import { issueAuthCode } from '../../store/flow-states.js';
import { deleteUserTokens, putOneTimeToken, type TokenType } from '../../store/one-time-tokens.js';
import { takeLimits, type Limit } from '../../store/send-limits.js';
import { stampSent, type SentColumn } from '../../store/user-email.js';
import { addressKey } from '../../http/rate-limit.js';

/** The `type` an emailed link carries to GET /verify (GoTrue's verification types). */
export type LinkType = 'signup' | 'invite' | 'recovery' | 'magiclink' | 'email_change';

/** The query every mailing route takes: where the link in the email should land (http/redirect-to.ts decides). */
export const redirectQuery = z.object({ redirect_to: z.string().max(4096).optional() });

/**
 * Emails one IP address may cause per hour. No GoTrue setting names it: GoTrue limits the
 * endpoints per IP instead (its RATE_LIMIT_OTP, 30 per hour by default), which this matches.
 */
export const MAIL_PER_IP_PER_HOUR = 30;

/**
 * Which GoTrue `*_sent_at` a kind of mail counts against: one of each kind per address per
 * LATCHKEY_SMTP_MAX_FREQUENCY. A magic link counts as recovery, as in GoTrue (its recovery timer).
 */
export type SendKind = 'confirmation' | 'recovery' | 'email_change' | 'reauthentication' | 'invite';

/** GoTrue's sentence for each kind when mail cannot be sent. */
const SEND_ERROR: Record<TemplateName, string> = {
  confirmation: 'Error sending confirmation email',
  invite: 'Error sending invite email',
  recovery: 'Error sending recovery email',
  magic_link: 'Error sending magic link email',
  email_change: 'Error sending email change email',
  reauthentication: 'Error sending reauthentication email',
};

/**
 * Refuses, before anything changes, a request that would send mail while the SMTP server is known
 * to be failing: GoTrue's 500 `unexpected_failure` "Error sending … email". Asked before the
 * address is looked up, so a registered and an unknown address get the same answer.
 */
export function assertMailAvailable(app: App, template: TemplateName): void {
  if (!app.mail.available) throw new LatchkeyError('unexpected_failure', SEND_ERROR[template]);
}

/**
 * Takes the sending limits for mail to each of `to`, all or none, or answers 429
 * `over_email_send_rate_limit`:
 * - per address and kind, one per LATCHKEY_SMTP_MAX_FREQUENCY, with GoTrue's "For security
 *   purposes, you can only request this after N seconds.";
 * - per client IP, MAIL_PER_IP_PER_HOUR, and in all, LATCHKEY_RATE_LIMIT_EMAIL_SENT, with
 *   GoTrue's "email rate limit exceeded".
 * Taken for unknown addresses too (before the lookup), so the answers cannot tell them apart, and
 * nobody can use the server to mail-bomb an address or to send unbounded mail.
 */
export async function takeSendLimits(
  app: App,
  request: RequestInfo,
  kind: SendKind,
  to: readonly string[],
  scope: { perAddress: boolean; perIp: boolean } = { perAddress: true, perIp: true },
): Promise<void> {
  if (!app.config.rateLimits) return;
  const { config } = app;
  const limits: Limit[] = [];
  if (scope.perAddress) {
    for (const address of to) limits.push({ key: `send:${kind}:${address}`, max: 1, windowSeconds: config.smtpMaxFrequency });
  }
  if (scope.perIp)
    limits.push({ key: `send-ip:${addressKey(request.ip)}`, max: MAIL_PER_IP_PER_HOUR, windowSeconds: 3600, count: to.length });
  limits.push({
    key: 'send-all',
    max: config.rateLimitEmailSent.events,
    windowSeconds: config.rateLimitEmailSent.seconds,
    count: to.length,
  });
  const spent = await takeLimits(app.db, limits, request.now);
  if (!spent) return;
  app.metrics.rateLimited.inc({
    rule: spent.key.startsWith('send:') ? 'emailPerAddress' : spent.key === 'send-all' ? 'emailSent' : 'emailPerIp',
  });
  if (spent.key.startsWith('send:')) {
    throw new LatchkeyError(
      'over_email_send_rate_limit',
      `For security purposes, you can only request this after ${spent.retryAfterSeconds} seconds.`,
    );
  }
  throw new LatchkeyError('over_email_send_rate_limit');
}

export interface ActionToken {
  /** What the email calls `{{ .TokenHash }}`: verify it as `token_hash`, or follow `actionLink`. */
  linkToken: string;
  /** What the email calls `{{ .Token }}`: verify it with the address. */
  code: string;
  /** GET /verify on the auth server, with the token, its type and where to land; absent for reauthentication. */
  actionLink: string | undefined;
}

export interface TokenSpec {
  userId: string;
  tokenType: TokenType;
  /** The link's type; none for a code-only mail (reauthentication). */
  linkType: LinkType | undefined;
  /** The address it goes to (and that a code is verified with). */
  to: string;
  redirectTo: string;
  /** The PKCE flow a followed link issues an auth code to. */
  flowStateId: string | null;
  now: Date;
}

/** Mints a token for one action and stores its hashes, replacing the user's earlier one of its type. */
export async function issueToken(app: App, tx: Queryable, spec: TokenSpec): Promise<ActionToken> {
  const { linkToken, code } = mintOneTimeSecrets(app.config.mailerOtpLength);
  await putOneTimeToken(tx, {
    userId: spec.userId,
    type: spec.tokenType,
    relatesTo: spec.to,
    tokenHash: hashLinkToken(linkToken),
    codeHash: hashCode(app.codeKey, spec.to, code),
    flowStateId: spec.flowStateId,
    now: spec.now,
    expiresAt: new Date(spec.now.getTime() + app.config.mailerOtpExp * 1000),
  });
  // A PKCE flow's link says so (verify.ts PKCE_PREFIX); only the token after the prefix is hashed and checked.
  const publicToken = spec.flowStateId ? `${PKCE_PREFIX}${linkToken}` : linkToken;
  const actionLink =
    spec.linkType === undefined
      ? undefined
      : `${app.externalUrl()}/verify?${new URLSearchParams({ token: publicToken, type: spec.linkType, redirect_to: spec.redirectTo })}`;
  return { linkToken: publicToken, code, actionLink };
}

export interface MailSpec extends TokenSpec {
  template: TemplateName;
  /** The account's address (`{{ .Email }}`; for an email change, the current one). */
  email: string;
  newEmail?: string;
  userMetadata: Record<string, unknown>;
  /** Which `*_sent_at` of the user to stamp. */
  sentColumn: SentColumn | undefined;
}

/** Mints the action's token and writes the email that carries it, in the caller's transaction. */
export async function queueActionMail(app: App, tx: Queryable, spec: MailSpec): Promise<QueuedMail> {
  const token = await issueToken(app, tx, spec);
  const rendered = app.templates.render(spec.template, {
    SiteURL: app.config.siteUrl,
    ConfirmationURL: token.actionLink,
    Token: token.code,
    TokenHash: spec.linkType === undefined ? undefined : token.linkToken,
    RedirectTo: spec.redirectTo,
    Email: spec.email,
    NewEmail: spec.newEmail,
    SendingTo: spec.to,
    Data: spec.userMetadata,
  });
  if (spec.sentColumn) await stampSent(tx, spec.userId, spec.sentColumn, spec.now);
  return app.mail.enqueue(tx, { kind: spec.template, to: spec.to, ...rendered, link: token.actionLink, code: token.code });
}

/**
 * What a request does when it must not send (an unknown address, an address already confirmed):
 * the work of a real send, statement for statement (a PKCE flow's, the token's, the user's stamp,
 * the message: here each on a row that does not exist, or a suppressed message the dev outbox
 * shows with the reason), with the same rendering, hashing, sealing and commit, so neither its
 * answer nor its time says which case it was. It sends nothing.
 */
export async function suppressActionMail(
  app: App,
  template: TemplateName,
  to: string,
  reason: string,
  shape: { pkce: boolean; tokenType: TokenType; sentColumn: SentColumn },
): Promise<void> {
  const now = new Date(app.clock());
  const nobody = randomUUID();
  const { linkToken, code } = mintOneTimeSecrets(app.config.mailerOtpLength);
  hashCode(app.codeKey, to, code);
  const rendered = app.templates.render(template, {
    SiteURL: app.config.siteUrl,
    ConfirmationURL: `${app.externalUrl()}/verify?${new URLSearchParams({ token: linkToken, type: 'signup', redirect_to: app.config.siteUrl })}`,
    Token: code,
    TokenHash: hashLinkToken(linkToken),
    Email: to,
    Data: {},
  });
  await app.db.transaction(async (tx) => {
    if (shape.pkce) await issueAuthCode(tx, nobody, hashLinkToken(linkToken), now);
    await deleteUserTokens(tx, nobody, [shape.tokenType]);
    await stampSent(tx, nobody, shape.sentColumn, now);
    await app.mail.suppress(tx, { kind: template, to, ...rendered }, reason, now);
  });
}

/** Audits mail that went out (one entry per message), after the commit. */
export async function auditSent(
  app: App,
  request: RequestInfo,
  actor: 'user' | 'admin' | 'anonymous',
  userId: string,
  mails: readonly QueuedMail[],
) {
  for (const { message } of mails) {
    await app.audit({
      type: 'mail_sent',
      actor,
      userId,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { kind: message.kind, to: message.to },
    });
  }
}
