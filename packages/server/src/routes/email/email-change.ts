/**
 * Mailing an email change (PUT /user { email }, POST /resend type email_change): the new address
 * gets a link and code; with LATCHKEY_MAILER_SECURE_EMAIL_CHANGE_ENABLED the current address gets
 * its own as well, and the change happens only once both are used (verify.ts). Whoever holds a
 * stolen session can then not move the account to their address without the owner's mailbox.
 */
import type { App } from '../../app.js';
import type { Queryable } from '../../db/database.js';
import type { QueuedMail } from '../../mail/queue.js';
import { deleteUserTokens } from '../../store/one-time-tokens.js';
import { beginEmailChange } from '../../store/user-email.js';
import type { UserRow } from '../../store/users.js';
import { queueActionMail } from './action-mail.js';
import { startFlow, type PkceChallenge } from './pkce-params.js';

/** The addresses an email change to `newEmail` mails. */
export function emailChangeRecipients(app: App, user: Pick<UserRow, 'email'>, newEmail: string): string[] {
  return app.config.mailerSecureEmailChangeEnabled && user.email ? [newEmail, user.email] : [newEmail];
}

export async function queueEmailChange(
  app: App,
  tx: Queryable,
  user: UserRow,
  newEmail: string,
  options: { pkce: PkceChallenge | undefined; redirectTo: string; now: Date },
): Promise<QueuedMail[]> {
  // A new request replaces the old one whole: no half-confirmed earlier change can complete it.
  await deleteUserTokens(tx, user.id, ['email_change_current', 'email_change_new']);
  await beginEmailChange(tx, user.id, newEmail, options.now);
  const flowStateId = await startFlow(tx, options.pkce, user.id, 'email_change', options.now);
  const common = {
    userId: user.id,
    linkType: 'email_change',
    template: 'email_change',
    email: user.email ?? newEmail,
    newEmail,
    redirectTo: options.redirectTo,
    flowStateId,
    userMetadata: user.raw_user_meta_data,
    sentColumn: 'email_change_sent_at',
    now: options.now,
  } as const;
  const queued = [await queueActionMail(app, tx, { ...common, tokenType: 'email_change_new', to: newEmail })];
  if (app.config.mailerSecureEmailChangeEnabled && user.email) {
    queued.push(await queueActionMail(app, tx, { ...common, tokenType: 'email_change_current', to: user.email }));
  }
  return queued;
}
